/**
 * `/authorize`: the owner's consent. GET validates the authorization request
 * with the library (client, exact redirect URI, PKCE S256, resource) and
 * shows the consent page (counted per client address: rate-limit.ts); POST
 * takes the owner's decision. Allow needs
 * `SHARED_SECRET` (owner-secret.ts: constant-time compare, wrong ones
 * slowed down by consent-throttle.ts); Deny sends `access_denied` back to the client.
 *
 * ## CSRF
 *
 * The form carries only a single-use handle (256 random bits) that the
 * library binds to the stored authorization request and to the browser that
 * opened the page (a `__Host-` cookie, SameSite=Lax), good for ten minutes;
 * the approved request comes from storage, never from the form. A POST from
 * another origin is refused before anything else. The handle is consumed
 * before the secret is checked, so a forged post cannot even ask whether a
 * secret is right; a refused attempt gets a new page with a new handle.
 * @module
 */
import {
  AuthorizationError,
  authorizationErrorRedirect,
  CimdFetchError,
  type AuthRequest,
  type OAuthHelpers
} from "@cloudflare/workers-oauth-provider";
import type { Env } from "../env";
import { readBodyText } from "../http/body";
import { HttpError } from "../http/errors";
import { clientIdRefusal } from "./client-id-guard";
import { consentPage, errorPage, type ConsentProblem } from "./consent-page";
import { checkOwnerSecret } from "./owner-secret";
import { RATE_LIMIT_PERIOD_SECONDS, withinRateLimit } from "./rate-limit";
import { grantProps, OWNER_USER_ID, TOOLS_SCOPE, type OAuthStack } from "./server";

const PAGE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  // Same-origin: the form's own POST keeps its Origin (no-referrer would make it "null"),
  // and nothing of this page's URL reaches the client it redirects to.
  "Referrer-Policy": "same-origin"
};

function html(status: number, page: { html: string; csp: string }, headers: Headers = new Headers()): Response {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) headers.set(name, value);
  headers.set("Content-Security-Policy", page.csp);
  return new Response(page.html, { status, headers });
}

function redirect(location: string, headers: Headers = new Headers()): Response {
  headers.set("Location", location);
  headers.set("Cache-Control", "no-store");
  return new Response(null, { status: 302, headers });
}

/** A failure the library reports for a request that must not (or cannot) go back to the client. */
function failure(error: unknown): Response {
  if (error instanceof AuthorizationError) {
    return error.redirectTo ? redirect(error.redirectTo) : html(400, errorPage(error.code, error.description));
  }
  if (error instanceof CimdFetchError) {
    return html(400, errorPage("invalid_client", "The app's metadata document could not be fetched or is not valid."));
  }
  throw error;
}

/** The consent page for `authRequest`, with a fresh handle; `headers` are added (cookies of a used handle). */
async function showConsent(
  stack: OAuthStack,
  oauth: OAuthHelpers,
  authRequest: AuthRequest,
  status = 200,
  problem?: ConsentProblem,
  headers: Headers = new Headers()
): Promise<Response> {
  const details = await oauth.describeConsent(authRequest);
  const consent = await oauth.beginConsent(authRequest);
  for (const [name, value] of consent.headers) {
    if (name.toLowerCase() === "set-cookie") headers.append(name, value);
  }
  return html(status, consentPage(new URL(stack.origin).host, details, consent.handle, problem), headers);
}

async function showRequest(stack: OAuthStack, request: Request, env: Env): Promise<Response> {
  // Every page opened stores a consent transaction (ten minutes), so strangers are counted.
  if (!(await withinRateLimit(env.AUTHORIZE_RATE_LIMIT, request))) {
    const page = errorPage(
      "temporarily_unavailable",
      `Too many sign-in pages were opened from this address; wait ${RATE_LIMIT_PERIOD_SECONDS} seconds, then start again from your app.`
    );
    return html(429, page, new Headers({ "Retry-After": String(RATE_LIMIT_PERIOD_SECONDS) }));
  }
  const refused = clientIdRefusal(new URL(request.url).searchParams.get("client_id"));
  if (refused) return html(400, errorPage("invalid_client", refused));
  const oauth = stack.authorizationServer.getOAuthApi(env);
  let authRequest: AuthRequest;
  try {
    authRequest = await oauth.parseAuthRequest(request);
  } catch (error) {
    return failure(error);
  }
  // OAuth 2.1 makes state optional with PKCE; every MCP client sends one, and
  // without it a client cannot tell this answer from a forged one.
  if (!authRequest.state) {
    return redirect(authorizationErrorRedirect(authRequest, "invalid_request", "state is required"));
  }
  return showConsent(stack, oauth, authRequest);
}

async function decide(stack: OAuthStack, request: Request, env: Env): Promise<Response> {
  const origin = request.headers.get("Origin");
  if (origin !== null && origin !== stack.origin) {
    return html(403, errorPage("invalid_request", "This form can only be sent from this server's own page."));
  }
  if (!(request.headers.get("Content-Type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return html(400, errorPage("invalid_request", "The consent form must be sent as a form."));
  }
  const form = new URLSearchParams(await readBodyText(request));
  const handle = form.get("handle") ?? "";
  const decision = form.get("decision");
  const oauth = stack.authorizationServer.getOAuthApi(env);
  try {
    if (decision === "deny") {
      const denied = await oauth.denyConsent(request, handle);
      return new Response(null, { status: 302, headers: denied.headers });
    }
    if (decision !== "allow") return html(400, errorPage("invalid_request", "Choose Allow or Deny."));
    const approved = await oauth.approveConsent(request, handle, { scope: [TOOLS_SCOPE] });
    const check = await checkOwnerSecret(env, request, form.get("secret") ?? "");
    if (!check.ok) {
      approved.headers.set("Retry-After", String(check.retryAfterSeconds));
      return showConsent(stack, oauth, approved.request, check.status, { message: check.message }, approved.headers);
    }
    const { redirectTo } = await oauth.completeAuthorization({
      request: approved.request,
      userId: OWNER_USER_ID,
      metadata: {},
      scope: approved.request.scope,
      props: await grantProps(check.secret)
    });
    return redirect(redirectTo, approved.headers);
  } catch (error) {
    return failure(error);
  }
}

/** Answers `GET` and `POST /authorize`. */
export function authorize(stack: OAuthStack, request: Request, env: Env): Promise<Response> {
  if (request.method === "GET") return showRequest(stack, request, env);
  if (request.method === "POST") return decide(stack, request, env);
  throw new HttpError(405, "method_not_allowed", "/authorize accepts GET, POST", { Allow: "GET, POST, OPTIONS" });
}
