/**
 * The OAuth routes of the front Worker: the two metadata documents, the
 * token endpoint (token, refresh, revocation), dynamic client registration
 * and the consent page. All but `/authorize` are the library's; in front of
 * it, registrations are counted per client address (rate-limit.ts) and a
 * refresh is checked for replay (refresh-replay.ts).
 * @module
 */
import type { Env } from "../env";
import { authorize } from "./authorize";
import { clientIdRefusal, tokenRequestClientId } from "./client-id-guard";
import { rateLimitedJson, withinRateLimit } from "./rate-limit";
import { exchangeWithReplayCheck } from "./refresh-replay";
import {
  AUTHORIZATION_SERVER_METADATA_PATH,
  AUTHORIZE_PATH,
  PROTECTED_RESOURCE_METADATA_PATH,
  REGISTER_PATH,
  TOKEN_PATH,
  type OAuthStack
} from "./server";

/** True for a path the OAuth routes answer (the protected-resource document has path-suffixed variants). */
export function isOAuthPath(pathname: string): boolean {
  return (
    pathname === AUTHORIZE_PATH ||
    pathname === TOKEN_PATH ||
    pathname === REGISTER_PATH ||
    pathname === AUTHORIZATION_SERVER_METADATA_PATH ||
    pathname.startsWith(`${AUTHORIZATION_SERVER_METADATA_PATH}/`) ||
    pathname === PROTECTED_RESOURCE_METADATA_PATH ||
    pathname.startsWith(`${PROTECTED_RESOURCE_METADATA_PATH}/`)
  );
}

/** RFC 6749 §5.2: an unknown or refused client at the token endpoint. */
function invalidClient(description: string): Response {
  return Response.json(
    { error: "invalid_client", error_description: description },
    { status: 401, headers: { "Cache-Control": "no-store" } }
  );
}

/** Answers a request on an OAuth path (see `isOAuthPath`). */
export async function serveOAuth(stack: OAuthStack, request: Request, env: Env): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === AUTHORIZE_PATH) return authorize(stack, request, env);
  if (pathname.startsWith(PROTECTED_RESOURCE_METADATA_PATH)) {
    // The resource server answers only its own document's URL (404 for the rest).
    // SAFETY: the library reads no ExecutionContext on this route (it answers the metadata document itself).
    return stack.resourceServer.fetch(request, env, {} as ExecutionContext);
  }
  // SAFETY: the authorization server's own routes read no ExecutionContext; only a handler of ours would.
  const library = () => stack.authorizationServer.fetch(request, env, {} as ExecutionContext);
  if (pathname === TOKEN_PATH && request.method === "POST") {
    const refused = clientIdRefusal(await tokenRequestClientId(request));
    if (refused) return invalidClient(refused);
    return exchangeWithReplayCheck(stack, request, env, library);
  }
  if (pathname === REGISTER_PATH && request.method === "POST" && !(await withinRateLimit(env.REGISTER_RATE_LIMIT, request))) {
    await request.body?.cancel();
    return rateLimitedJson("registrations");
  }
  return library();
}
