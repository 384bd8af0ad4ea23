/**
 * The front Worker: the Host check, the origin policy and CORS, auth (the
 * static secret or an OAuth access token), the OAuth routes, and routing. It
 * holds no state of its own; every session request is forwarded to that
 * session's `SessionDO`, OAuth grants live in the `OAUTH_KV` namespace.
 * @module
 */
import { readConfig } from "./config";
import { isConsolePath, serveConsole } from "./console/routes";
import type { Env } from "./env";
import { requireBearer } from "./http/auth";
import { checkDeclaredLength, readBodyBytes, withWholeBody } from "./http/body";
import { createCors, type Cors } from "./http/cors";
import { HttpError, internalError, unknownSessionError } from "./http/errors";
import { hostRefusal } from "./http/host-check";
import { errorFormatFor, isRoutePath, ROUTES, servesAnyOrigin, type RoutePath } from "./http/routes";
import { libraryService } from "./library/library-service";
import { isOAuthPath, serveOAuth } from "./oauth/routes";
import { authenticate, oauthStackFor } from "./oauth/server";
import { parseEventId } from "./ids/session-id";
import { sessionIds, type SessionIds } from "./ids/signed-session-id";
import { toSessionRequest, type SessionRoute } from "./session/session-request";
import { isUploadPath, serveUploads, streamsBody, withDiscovery, withTusCors } from "./uploads/routes";
import { uploadService } from "./uploads/upload-service";
import { isProbedMethod, probeModernCall, probeRpcCall, type ProbeSettings } from "./session/call-probe";
import { sessionForTarget } from "./session/source-affinity";
import { answerFromDirectory, answerStateless, answerWithoutSession, statelessRequest } from "./stateless-rpc";
import { isTaskMethod, taskOwnerOf } from "./tasks/task-routing";
import { parseJsonText } from "./transport/jsonrpc";
import { eraOf, methodOf } from "./transport/stateless-http";
import { opensSession } from "./transport/streamable-http";
import { mediaLinks } from "./video/media-link";
import { serveMedia } from "./video/media-route";

export { AdmissionDO } from "./admission/admission-do";
export { ConsoleDO } from "./console/console-do";
export { LibraryDO } from "./library/library-do";
export { SessionDO } from "./session-do";
export { UploadDO } from "./uploads/upload-do";

type Handler = (request: Request, env: Env) => Promise<Response> | Response;

/** What answers each route of `http/routes.ts` (its methods, auth and error format are there). */
const HANDLERS: Record<RoutePath, Handler> = {
  "/health": health,
  "/sse": async (request, env) => forward(request, env, await sseRoute(request, idsOf(env))),
  "/messages": async (request, env) => forward(request, env, await messagesRoute(request, idsOf(env))),
  "/rpc": rpc,
  "/mcp": mcp,
  "/media": media
};

/**
 * Who may reach the server (the origin policy, whether requests must name a
 * loopback host, how long a body may take), and what session-less calls are
 * checked against: read from the settings once per isolate.
 */
interface FrontPolicy {
  cors: Cors;
  loopbackOnly: boolean;
  publicOrigin: string | undefined;
  bodyTimeoutMs: number;
  allowPrivateVideoUrls: boolean;
  defaultModel: string;
  maxUploadBytes: number;
}

const policyByEnv = new WeakMap<Env, FrontPolicy>();

function policyFor(env: Env): FrontPolicy {
  let policy = policyByEnv.get(env);
  if (!policy) {
    const { allowedOrigins, loopbackOnly, publicOrigin, bodyTimeoutMs, allowPrivateVideoUrls, gemini, maxUploadBytes } =
      readConfig(env);
    policy = {
      cors: createCors(allowedOrigins),
      loopbackOnly,
      publicOrigin,
      bodyTimeoutMs,
      allowPrivateVideoUrls,
      defaultModel: gemini.model,
      maxUploadBytes
    };
    policyByEnv.set(env, policy);
  }
  return policy;
}

/** Says only that the Worker answers: no name, version or configuration facts for strangers. */
function health(): Response {
  return Response.json({ status: "ok" });
}

/** A viewer's video, through the same guard and time limits as an analysis's download. */
function media(request: Request, env: Env): Promise<Response> {
  const { allowPrivateVideoUrls, maxVideoBytes, sourceTimeouts } = readConfig(env);
  return serveMedia(request, env.SHARED_SECRET, {
    fetch: (input, init) => fetch(input, init),
    allowPrivate: allowPrivateVideoUrls,
    maxBytes: maxVideoBytes,
    timeouts: sourceTimeouts
  });
}

function sessionParam(request: Request): string | null {
  return new URL(request.url).searchParams.get("sessionId");
}

function idsOf(env: Env): SessionIds {
  return sessionIds(env.SHARED_SECRET);
}

/** A session the client names; one this server did not issue is unknown here, and no object is made for it. */
async function attach(path: string, sessionId: string, ids: SessionIds): Promise<SessionRoute> {
  if (!(await ids.verify(sessionId))) throw unknownSessionError();
  return { path, sessionId, mode: "attach" };
}

/**
 * `?sessionId=`, or else the session a `Last-Event-ID` names, or else a new
 * session. A `Last-Event-ID` that is no event id of ours is a 400: silently
 * opening a new session would look like a resume that lost everything.
 */
async function sseRoute(request: Request, ids: SessionIds): Promise<SessionRoute> {
  const resumeAfter = lastEventIdOf(request);
  const sessionId = sessionParam(request) ?? resumeAfter?.sessionId ?? null;
  return sessionId === null ? { path: "/sse", sessionId: await ids.issue(), mode: "create" } : attach("/sse", sessionId, ids);
}

/** The event a `Last-Event-ID` header names; undefined when there is none (or it is empty). */
function lastEventIdOf(request: Request): { sessionId: string; seq: number } | undefined {
  const header = request.headers.get("Last-Event-ID")?.trim();
  if (!header) return undefined;
  const named = parseEventId(header);
  if (!named) {
    throw new HttpError(
      400,
      "invalid_last_event_id",
      "Last-Event-ID must be the id of an event this server sent on /sse (<sessionId>-<number>); send none to open a new session."
    );
  }
  return named;
}

function messagesRoute(request: Request, ids: SessionIds): Promise<SessionRoute> {
  const sessionId = sessionParam(request);
  if (sessionId === null) {
    throw new HttpError(
      400,
      "missing_session",
      "POST /messages needs ?sessionId=<id>, as given by the endpoint event of GET /sse."
    );
  }
  return attach("/messages", sessionId, ids);
}

async function rpcRoute(request: Request, ids: SessionIds): Promise<SessionRoute> {
  const sessionId = request.headers.get("Mcp-Session-Id") ?? sessionParam(request);
  return sessionId === null ? { path: "/rpc", sessionId: await ids.issue(), mode: "ephemeral" } : attach("/rpc", sessionId, ids);
}

/**
 * Session-less `tools/list` and `ping` are answered here, and so is any call
 * the tools refuse before it reaches for a job (see `session/call-probe.ts`);
 * the rest goes to the Durable Object the call's job lives in.
 */
async function rpc(request: Request, env: Env): Promise<Response> {
  const ids = idsOf(env);
  const route = await rpcRoute(request, ids);
  if (route.mode !== "ephemeral") return forward(request, env, route);
  const body = await readBodyBytes(request);
  const text = new TextDecoder().decode(body);
  const stateless = statelessRequest(text);
  if (stateless) return answerStateless(stateless);
  const probed = await probeRpcCall(text, parseJsonText(text), probeSettings(env, ids, request));
  if ("answer" in probed) return probed.answer;
  const sessionId = await sessionForTarget(ids, probed.target, () => route.sessionId);
  return forward(new Request(request, { body }), env, { ...route, sessionId });
}

function probeSettings(env: Env, ids: SessionIds, request: Request): ProbeSettings {
  const { allowPrivateVideoUrls, defaultModel } = policyFor(env);
  const origin = new URL(request.url).origin;
  const config = readConfig(env);
  const library = libraryService(env, { consoleOrigin: origin, gemini: config.gemini });
  return {
    ids,
    allowPrivateVideoUrls,
    defaultModel,
    library,
    uploads: uploadService(env, config, () => origin),
    media: mediaLinks(env.SHARED_SECRET, origin)
  };
}

/**
 * `/mcp` serves both eras. 2025: requests with a session id, and an
 * initialize request, go to the session's Durable Object; any other request
 * without a session id is refused here, as the SDK refuses it. 2026: a
 * `tools/call` is answered or sent on as a session-less `/rpc` call is;
 * `tasks/*` go to the object the task id names; anything else is answered
 * here without one. Resource methods go as a `tools/call` does: a read
 * reaches for its job.
 */
async function mcp(request: Request, env: Env): Promise<Response> {
  const ids = idsOf(env);
  if (request.headers.has("Mcp-Session-Id")) return forward(request, env, await mcpRoute(request, ids));
  if (request.method !== "POST") return answerWithoutSession(request, undefined);
  const body = await readBodyBytes(request);
  const replay = new Request(request, { body });
  const parsedBody = parseJson(body);
  if ((await eraOf(replay, parsedBody)) === "2025") {
    return opensSession(parsedBody)
      ? forward(replay, env, await mcpRoute(replay, ids))
      : answerWithoutSession(replay, parsedBody);
  }
  if (isProbedMethod(methodOf(parsedBody))) {
    const probed = await probeModernCall(new Request(request, { body }), parsedBody, probeSettings(env, ids, request));
    if ("answer" in probed) return probed.answer;
    const sessionId = await sessionForTarget(ids, probed.target, () => ids.issue());
    return forward(replay, env, { path: "/mcp", sessionId, mode: "ephemeral" });
  }
  // A task lives in the object its id names; an id this server did not issue is refused by the directory.
  const taskOwner = isTaskMethod(parsedBody) ? taskOwnerOf(parsedBody) : undefined;
  if (taskOwner && (await ids.verify(taskOwner))) {
    return forward(replay, env, { path: "/mcp", sessionId: taskOwner, mode: "ephemeral" });
  }
  return answerFromDirectory(replay, parsedBody);
}

function parseJson(bytes: Uint8Array): unknown {
  return parseJsonText(new TextDecoder().decode(bytes));
}

async function mcpRoute(request: Request, ids: SessionIds): Promise<SessionRoute> {
  const sessionId = request.headers.get("Mcp-Session-Id");
  return sessionId === null ? { path: "/mcp", sessionId: await ids.issue(), mode: "handshake" } : attach("/mcp", sessionId, ids);
}

function forward(request: Request, env: Env, route: SessionRoute): Promise<Response> {
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(route.sessionId));
  return stub.fetch(toSessionRequest(request, route));
}

async function dispatch(request: Request, env: Env, cors: Cors): Promise<Response> {
  const url = new URL(request.url);
  const { pathname } = url;
  // A browser page from an origin the policy does not allow (a hostile site)
  // is refused outright; clients that send no Origin pass.
  if (!cors.allowsOrigin(request) && !servesAnyOrigin(pathname)) {
    throw new HttpError(403, "origin_not_allowed", "This Origin is not allowed; see ALLOWED_ORIGINS.");
  }
  // OAuth is offered over https and on loopback (see oauthStackFor); elsewhere only the secret works.
  const oauth = oauthStackFor(url);
  if (oauth && isOAuthPath(pathname)) {
    checkDeclaredLength(request);
    return serveOAuth(oauth, request, env);
  }
  // Uploads take the owner's credentials, the console's cookie or an upload's capability (src/uploads/).
  if (isUploadPath(pathname)) {
    return serveUploads(request, env, (handle) => {
      if (oauth) return authenticate(oauth, request, env, handle);
      requireBearer(request, env.SHARED_SECRET);
      return handle();
    });
  }
  // The console authenticates with its own cookie (src/console/).
  if (isConsolePath(pathname)) return serveConsole(request, env, policyFor(env).defaultModel);
  if (!isRoutePath(pathname)) throw new HttpError(404, "not_found", `No route for ${pathname}`);
  const route = ROUTES[pathname];
  const methods: readonly string[] = route.methods;
  if (!methods.includes(request.method)) {
    throw new HttpError(405, "method_not_allowed", `${pathname} accepts ${methods.join(", ")}`, {
      Allow: [...methods, "OPTIONS"].join(", ")
    });
  }
  const handle = () => {
    checkDeclaredLength(request);
    return HANDLERS[pathname](request, env);
  };
  if (route.public) return handle();
  if (oauth) return authenticate(oauth, request, env, handle);
  requireBearer(request, env.SHARED_SECRET);
  return handle();
}

/**
 * A request that names `PUBLIC_URL`'s host (a tunnel to a local server) as
 * a request to `PUBLIC_URL`: under `wrangler dev` its URL says `http:`
 * whatever scheme the tunnel was reached with. Null for any other request.
 */
function throughPublicUrl(request: Request, publicOrigin: string | undefined): Request | null {
  if (publicOrigin === undefined) return null;
  const url = new URL(request.url);
  const publicUrl = new URL(publicOrigin);
  const host = request.headers.get("Host") ?? url.host;
  if (host.toLowerCase() !== publicUrl.host || url.host !== publicUrl.host) return null;
  return new Request(new URL(`${url.pathname}${url.search}`, publicOrigin), request);
}

export default {
  async fetch(received: Request, env: Env): Promise<Response> {
    const { cors, loopbackOnly, publicOrigin, bodyTimeoutMs, maxUploadBytes } = policyFor(env);
    const errorFormat = errorFormatFor(new URL(received.url).pathname);
    // Every body is read in full first, within BODY_TIMEOUT_SECONDS: a client whose
    // Content-Length promises more than it sends is answered 408, and holds no object open.
    // An upload's bytes are the exception: they stream to its object, which has its own idle limit.
    let incoming: Request;
    try {
      incoming = streamsBody(received) ? received : await withWholeBody(received, bodyTimeoutMs);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      return cors.apply(received, error.getResponse(errorFormat));
    }
    const viaPublicUrl = throughPublicUrl(incoming, publicOrigin);
    const request = viaPublicUrl ?? incoming;
    // Before CORS, so a rebinding page gets no CORS headers either. PUBLIC_URL's
    // host is the operator's own name for this server, not a rebinding page's.
    const wrongHost = loopbackOnly && !viaPublicUrl ? hostRefusal(request) : undefined;
    if (wrongHost) return wrongHost.getResponse(errorFormat);
    const preflight = cors.preflight(request);
    if (preflight) return isUploadPath(new URL(request.url).pathname) ? withDiscovery(preflight, maxUploadBytes) : preflight;
    let response: Response;
    try {
      response = await dispatch(request, env, cors);
    } catch (error) {
      if (!(error instanceof HttpError)) console.error("Unhandled error", error);
      response = (error instanceof HttpError ? error : internalError()).getResponse(errorFormat);
    }
    const withCors = cors.apply(request, response);
    return isUploadPath(new URL(request.url).pathname) ? withTusCors(withCors) : withCors;
  }
} satisfies ExportedHandler<Env>;
