/**
 * The server as its own OAuth 2.1 authorization server and protected
 * resource, with `@cloudflare/workers-oauth-provider`: RFC 8414 metadata,
 * RFC 9728 protected-resource metadata and the 401 challenge naming it,
 * authorization code with PKCE S256 only, dynamic client registration
 * (RFC 7591) and Client ID Metadata Documents, resource indicators (RFC 8707),
 * rotating refresh tokens (a replayed one revokes its grant: refresh-replay.ts)
 * and RFC 7009 revocation at the token endpoint. Registered metadata is
 * bounded (client-metadata.ts). The consent page is ours (authorize.ts).
 *
 * ## One resource: the origin
 *
 * Every route that takes the static secret (`/sse`, `/messages`, `/rpc`,
 * `/mcp`) also takes an access token, and the library wants every protected
 * route at or below its one resource, so the resource is the server's origin
 * (`https://x.workers.dev`): a token is bound to this server and to no other.
 * The Worker learns its origin from the request, so one stack is built per
 * origin the first time it is seen. The library accepts plain `http` only on
 * loopback; a server reached over plain `http` on another address (`npm run
 * dev -- --ip 0.0.0.0`) offers no OAuth and takes only the secret.
 *
 * ## What a grant holds
 *
 * The one user is the deployment's owner (`OWNER_USER_ID`), who consents with
 * `SHARED_SECRET`. A grant's props carry a tag of the secret it was given
 * under (an HMAC keyed by the secret, never the secret): once the secret is
 * rotated no token of an earlier grant is accepted, its refresh fails with
 * `invalid_grant` (which revokes it), and an access token of it revokes its
 * grant the first time it is shown.
 * @module
 */
import {
  insufficientScope,
  OAuthAuthorizationServer,
  OAuthError,
  OAuthResourceServer,
  type OAuthResourceAuth,
  type OAuthResourceTokenValidation,
  type TokenExchangeCallbackOptions
} from "@cloudflare/workers-oauth-provider";
import type { Env } from "../env";
import { configuredSecret, timingSafeEqualStrings } from "../http/auth";
import { HttpError } from "../http/errors";
import { clientMetadataRefusal } from "./client-metadata";

/** The one scope: using this server's tools (every MCP request). */
export const TOOLS_SCOPE = "mcp:tools";
/** The only user: whoever holds `SHARED_SECRET`. */
export const OWNER_USER_ID = "owner";
export const ACCESS_TOKEN_TTL_SECONDS = 60 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
/** Dynamically registered clients that are not used for this long are forgotten. */
export const CLIENT_REGISTRATION_TTL_SECONDS = 90 * 24 * 60 * 60;

export const AUTHORIZE_PATH = "/authorize";
export const TOKEN_PATH = "/token";
export const REGISTER_PATH = "/register";
export const AUTHORIZATION_SERVER_METADATA_PATH = "/.well-known/oauth-authorization-server";
export const PROTECTED_RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource";

/** What a request authenticated with: the static secret, or a grant the owner approved. */
export type AuthProps = { kind: "secret" } | { kind: "grant"; secretTag: string };

/**
 * The context the resource server hands its handler: the library fills
 * `props` and `auth`; `next` is the route to run, and `reached` says the
 * request got past authentication (so a 401 or 503 is the library's).
 */
export interface ProtectedContext {
  props: AuthProps;
  auth: OAuthResourceAuth;
  next: () => Promise<Response> | Response;
  reached: boolean;
}

/** The authorization server and the protected resource of one origin. */
export interface OAuthStack {
  origin: string;
  authorizationServer: OAuthAuthorizationServer<Env>;
  resourceServer: OAuthResourceServer<Env, AuthProps>;
}

/** Origins seen on a server that answers many names (`*.localhost`) are bounded. */
const MAX_STACKS = 16;
/** Null for an origin the library does not accept as an issuer and resource. */
const stacks = new Map<string, OAuthStack | null>();

/**
 * The OAuth stack for the request's origin; undefined where OAuth is not
 * offered: the library takes an https origin, or plain http on `localhost`,
 * `127.0.0.0/8` or `[::1]` only.
 */
export function oauthStackFor(url: URL): OAuthStack | undefined {
  const { origin } = url;
  let stack = stacks.get(origin);
  if (stack === undefined) {
    // SAFETY: the map is full (MAX_STACKS > 0), so it has a first key.
    if (stacks.size >= MAX_STACKS) stacks.delete(stacks.keys().next().value!);
    stack = url.protocol === "https:" || url.protocol === "http:" ? buildStack(origin) : null;
    stacks.set(origin, stack);
  }
  return stack ?? undefined;
}

const TAG_LABEL = new TextEncoder().encode("gemini-video-mcp oauth grant v1");
let lastTag: { secret: string; tag: string } | undefined;

/** An HMAC of a fixed label keyed by the secret: says which secret a grant was given under, reveals nothing of it. */
export async function secretTag(secret: string): Promise<string> {
  if (lastTag?.secret === secret) return lastTag.tag;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign"
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, TAG_LABEL));
  const tag = btoa(String.fromCharCode(...mac))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  lastTag = { secret, tag };
  return tag;
}

/** The props a new grant stores. */
export async function grantProps(secret: string): Promise<AuthProps> {
  return { kind: "grant", secretTag: await secretTag(secret) };
}

/**
 * The shape of the library's tokens (`<user>:<16-char grant id>:<32-char
 * secret>`, from its alphabet). Anything else is refused before KV is asked,
 * so a malformed or oversized token is a 401, never a KV error.
 */
const ISSUED_TOKEN = new RegExp(`^${OWNER_USER_ID}:([A-Za-z0-9_-]{16}):[A-Za-z0-9_-]{32}$`);

/** The grant id of a token with the shape this server issues; undefined for anything else. */
export function issuedTokenGrantId(token: string): string | undefined {
  return ISSUED_TOKEN.exec(token)?.[1];
}

/** Refuses the refresh of a grant given under another secret; `invalid_grant` also makes the library revoke it. */
async function checkGrantOnRefresh(options: TokenExchangeCallbackOptions<Env>): Promise<void> {
  if (options.grantType !== "refresh_token") return;
  const secret = configuredSecret(options.env.SHARED_SECRET);
  // SAFETY: every grant's props are written by this server's consent (`completeAuthorization`) as AuthProps.
  const props = options.props as AuthProps;
  if (secret === undefined || props.kind !== "grant" || props.secretTag !== (await secretTag(secret))) {
    throw new OAuthError("invalid_grant", {
      description: "This grant was given under a secret the server no longer has; authorize again."
    });
  }
}

/**
 * True under the `global_fetch_strictly_public` compatibility flag
 * (wrangler.toml). The library fetches client metadata documents only with
 * it; without it (`scripts/serve.mjs --without-strict-public-fetch`) a URL
 * `client_id` is an unknown client, never fetched.
 */
function fetchesAreStrictlyPublic(): boolean {
  // SAFETY: workerd's `Cloudflare` global, absent elsewhere; every level is read optionally.
  const runtime = (globalThis as { Cloudflare?: { compatibilityFlags?: Record<string, boolean> } }).Cloudflare;
  return runtime?.compatibilityFlags?.global_fetch_strictly_public === true;
}

/** The stack of `origin`; null when the library refuses it as an issuer (plain http off loopback). */
function buildStack(origin: string): OAuthStack | null {
  try {
    return newStack(origin);
  } catch (error) {
    if (error instanceof TypeError) return null;
    throw error;
  }
}

function newStack(origin: string): OAuthStack {
  const authorizationServer = new OAuthAuthorizationServer<Env>({
    issuer: origin,
    resources: [origin],
    authorizeEndpoint: AUTHORIZE_PATH,
    tokenEndpoint: TOKEN_PATH,
    clientRegistrationEndpoint: REGISTER_PATH,
    scopesSupported: [TOOLS_SCOPE],
    accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTTL: REFRESH_TOKEN_TTL_SECONDS,
    clientRegistrationTTL: CLIENT_REGISTRATION_TTL_SECONDS,
    // client-id-guard.ts refuses metadata URLs on private addresses first.
    clientIdMetadataDocumentEnabled: fetchesAreStrictlyPublic(),
    tokenExchangeCallback: checkGrantOnRefresh,
    clientRegistrationCallback: ({ clientMetadata }) => clientMetadataRefusal(clientMetadata),
    onError: ({ status, code, internal }) => {
      // The description can quote client input; the code and the library's reason cannot.
      console.warn(`OAuth error response: ${status} ${code} (${internal.category}/${internal.reason})`);
    }
  });

  /**
   * The static secret (constant-time compare), or an access token this server
   * issued for this origin under the current secret. Null is a 401 with the
   * challenge.
   */
  const validateToken =
    (env: Env) =>
    async (resource: string, token: string): Promise<OAuthResourceTokenValidation<AuthProps> | null> => {
      const secret = configuredSecret(env.SHARED_SECRET);
      if (secret === undefined) return null;
      if (timingSafeEqualStrings(token, secret)) return { props: { kind: "secret" }, audience: resource };
      const grantId = issuedTokenGrantId(token);
      if (grantId === undefined) return null;
      const validation = await authorizationServer.validateToken(resource, token, env);
      if (!validation) return null;
      // SAFETY: the props of a token this server issued are its grant's, written as AuthProps at consent.
      const props = validation.props as AuthProps;
      if (props.kind !== "grant" || props.secretTag !== (await secretTag(secret))) {
        await authorizationServer.getOAuthApi(env).revokeGrant(grantId, OWNER_USER_ID);
        return null;
      }
      return { ...validation, props };
    };

  const resourceServer = new OAuthResourceServer<Env, AuthProps>({
    resourceMetadata: {
      resource: origin,
      authorization_servers: [origin],
      resource_name: "Gemini video MCP server"
    },
    requiredScopes: [TOOLS_SCOPE],
    validateToken: (env) => validateToken(env),
    handler: {
      fetch(_request, _env, ctx) {
        // SAFETY: `authenticate` passes its ProtectedContext as the ExecutionContext; the library hands it on untouched.
        const context = ctx as unknown as ProtectedContext;
        context.reached = true;
        // The library advertises the scope; using it is ours to require.
        if (context.props.kind === "grant" && !context.auth.scope.includes(TOOLS_SCOPE)) {
          const challenge = insufficientScope(context.auth, [TOOLS_SCOPE]).headers.get("WWW-Authenticate") ?? "Bearer";
          throw new HttpError(403, "insufficient_scope", `This access token lacks the ${TOOLS_SCOPE} scope; authorize again.`, {
            "WWW-Authenticate": challenge,
            "Cache-Control": "no-store"
          });
        }
        return context.next();
      }
    }
  });
  return { origin, authorizationServer, resourceServer };
}

/**
 * Runs `next` once the request is authenticated (the static secret or an
 * access token for this origin with the tools scope); otherwise throws the
 * library's refusal as an `HttpError`, its `WWW-Authenticate` challenge
 * (`resource_metadata`, `scope`, `error`) kept, so each route writes it in
 * its own error format.
 */
export async function authenticate(
  stack: OAuthStack,
  request: Request,
  env: Env,
  next: () => Promise<Response> | Response
): Promise<Response> {
  const context = { next, reached: false };
  // SAFETY: the library only hands the context on to our handler (above), which reads it as ProtectedContext.
  const response = await stack.resourceServer.fetch(request, env, context as unknown as ExecutionContext);
  if (context.reached) return response;
  await response.body?.cancel();
  throw refusal(response.status, response.headers.get("WWW-Authenticate"), request.headers.has("Authorization"));
}

function refusal(status: number, challenge: string | null, sentCredentials: boolean): HttpError {
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  if (challenge !== null) headers["WWW-Authenticate"] = challenge;
  if (status === 401) {
    return new HttpError(
      401,
      "unauthorized",
      sentCredentials
        ? "Invalid bearer token: send `Authorization: Bearer <SHARED_SECRET>`, or an OAuth access token this server issued that is current."
        : "Missing Authorization header; send `Authorization: Bearer <SHARED_SECRET>`, or sign in with OAuth (WWW-Authenticate names the metadata).",
      headers
    );
  }
  return new HttpError(503, "auth_unavailable", "Authentication is unavailable at the moment; try again.", headers);
}
