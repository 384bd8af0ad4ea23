/**
 * The uploads' routes in the front Worker (docs/uploads.md): the tus
 * endpoints `/uploads` and `/uploads/<id>`, forwarded to the upload's object
 * with their bodies streaming, and the one-time page `GET /upload/<id>`.
 * Who may call them: the bearer of an upload's capability (its own upload,
 * HEAD, PATCH and adopting it by POST), the console's signed-in pages, or
 * the owner (the secret or an OAuth access token, checked by `ownerAuth`).
 * @module
 */
import { CONSOLE_CSP, requireSignIn } from "../console/routes";
import { tokenOf } from "../console/cookie-session";
import type { Env } from "../env";
import { configuredSecret } from "../http/auth";
import { HttpError } from "../http/errors";
import { checkCapability } from "../ids/upload-capability";
import { isUploadId, newUploadId } from "../ids/upload-id";
import { CAPABILITY_HEADER, discoveryHeaders, requireTusVersion, TUS_CONTENT_TYPE, tusError } from "./tus";
import { CREATE_MODE_HEADER } from "./upload-do";
import { uploadObject } from "./upload-service";

const COLLECTION = "/uploads";
const UPLOAD_PATH = /^\/uploads\/([^/]+)$/;
const PAGE_PATH = /^\/upload\/([^/]+)$/;
/** Where the page's HTML is among the console's files (`public/console/upload.html`, served without its extension). */
const PAGE_ASSET = "/console/upload";

const PAGE_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CONSOLE_CSP,
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cache-Control": "no-store"
};

/** Until the page's own file is in place: says where the page will be. */
const PLACEHOLDER_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Upload a video</title><p>The upload page is not installed on this server.</p></html>`;

export function isUploadPath(pathname: string): boolean {
  return pathname === COLLECTION || UPLOAD_PATH.test(pathname) || PAGE_PATH.test(pathname);
}

/**
 * True for a request whose body streams to an upload's object (and must not
 * be read in full first): a PATCH, or a creation that carries the file's
 * first bytes. Any other body on an upload path is read in full within
 * BODY_TIMEOUT_SECONDS like every other, so a creation whose Content-Length
 * promises bytes it never sends holds no object open.
 */
export function streamsBody(request: Request): boolean {
  const { pathname } = new URL(request.url);
  const carriesFileBytes =
    request.method === "PATCH" ||
    (request.method === "POST" && request.headers.get("Content-Type")?.split(";")[0]?.trim().toLowerCase() === TUS_CONTENT_TYPE);
  return carriesFileBytes && (pathname === COLLECTION || UPLOAD_PATH.test(pathname));
}

/** What a browser tus client (Uppy, tus-js-client) sends and reads, on top of the server's CORS lists. */
const TUS_REQUEST_HEADERS = "Tus-Resumable, Upload-Length, Upload-Offset, Upload-Metadata, Upload-Capability";
const TUS_METHODS = "HEAD, PATCH";
const TUS_RESPONSE_HEADERS =
  "Location, Upload-Offset, Upload-Length, Upload-Expires, Upload-Metadata, Upload-Defer-Length, Upload-Capability-Expires, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size";

function appendList(headers: Headers, name: string, items: string): void {
  const current = headers.get(name);
  if (current !== null) headers.set(name, `${current}, ${items}`);
}

/** tus's discovery headers on an OPTIONS answer (a CORS preflight or a tus client's question), and tus's CORS lists. */
export function withDiscovery(response: Response, maxUploadBytes: number): Response {
  const copy = new Response(response.body, response);
  for (const [name, value] of Object.entries(discoveryHeaders(maxUploadBytes))) copy.headers.set(name, value);
  appendList(copy.headers, "Access-Control-Allow-Headers", TUS_REQUEST_HEADERS);
  appendList(copy.headers, "Access-Control-Allow-Methods", TUS_METHODS);
  return copy;
}

/** An upload route's answer, its tus headers readable by a browser the CORS policy allows. */
export function withTusCors(response: Response): Response {
  if (!response.headers.has("Access-Control-Allow-Origin")) return response;
  const copy = new Response(response.body, response);
  appendList(copy.headers, "Access-Control-Expose-Headers", TUS_RESPONSE_HEADERS);
  return copy;
}

type Caller = { kind: "owner" } | { kind: "capability"; uploadId: string; expiresAt: number };

/** Checks the capability a request carries; 401 for one malformed, forged or expired, 403 for another upload's. */
async function capabilityCaller(env: Env, capability: string, uploadId: string | undefined): Promise<Caller> {
  const secret = configuredSecret(env.SHARED_SECRET);
  if (!secret) throw tusError(401, "not_configured", "The server is not configured for authentication.");
  const check = await checkCapability(secret, capability, uploadId, Date.now());
  if (check.ok) return { kind: "capability", uploadId: check.uploadId, expiresAt: check.expiresAt };
  switch (check.reason) {
    case "expired":
      throw tusError(401, "capability_expired", "This upload link has expired; ask for a new one (createVideoUpload).");
    case "wrong-upload":
      throw tusError(403, "capability_wrong_upload", "This upload link is for another upload.");
    default:
      throw tusError(401, "capability_invalid", `${CAPABILITY_HEADER} is not a link this server issued.`);
  }
}

/** The console's signed-in pages: same origin only, as the console's API. */
async function consoleCaller(request: Request, env: Env): Promise<Caller> {
  const origin = request.headers.get("Origin");
  const site = request.headers.get("Sec-Fetch-Site");
  if ((origin !== null && origin !== new URL(request.url).origin) || (site !== null && site !== "same-origin")) {
    throw tusError(403, "cross_site_request", "Uploads with the console's cookie come only from the console's own pages.");
  }
  await requireSignIn(request, env);
  return { kind: "owner" };
}

/**
 * Answers a request on an upload path. `ownerAuth` runs `handle` once the
 * owner's credentials (the secret or an OAuth token) check out.
 */
export async function serveUploads(
  request: Request,
  env: Env,
  ownerAuth: (handle: () => Promise<Response>) => Promise<Response>
): Promise<Response> {
  const { pathname } = new URL(request.url);
  const page = PAGE_PATH.exec(pathname);
  if (page) return servePage(request, env, page[1] ?? "");
  const named = UPLOAD_PATH.exec(pathname)?.[1];
  const methods = named === undefined ? ["POST"] : ["HEAD", "PATCH", "DELETE"];
  if (!methods.includes(request.method)) {
    throw tusError(405, "method_not_allowed", `${pathname} accepts ${methods.join(", ")}`, {
      Allow: [...methods, "OPTIONS"].join(", ")
    });
  }
  if (named !== undefined && !isUploadId(named)) throw tusError(404, "unknown_upload", "No such upload.");
  const capability = request.headers.get(CAPABILITY_HEADER);
  const handle = async (caller: Caller) => {
    requireTusVersion(request);
    return forward(request, env, caller, named);
  };
  if (capability !== null) return handle(await capabilityCaller(env, capability, named));
  if (tokenOf(request) !== undefined && !request.headers.has("Authorization")) return handle(await consoleCaller(request, env));
  return ownerAuth(() => handle({ kind: "owner" }));
}

async function forward(request: Request, env: Env, caller: Caller, named: string | undefined): Promise<Response> {
  if (caller.kind === "capability" && request.method === "DELETE") {
    throw tusError(403, "capability_cannot_delete", "An upload link may send the file's bytes, not delete the upload.");
  }
  const uploadId = named ?? (caller.kind === "capability" ? caller.uploadId : newUploadId());
  const headers = new Headers(request.headers);
  headers.delete(CREATE_MODE_HEADER);
  headers.delete("Authorization");
  headers.delete("Cookie");
  headers.delete(CAPABILITY_HEADER);
  if (request.method === "POST") headers.set(CREATE_MODE_HEADER, caller.kind);
  const bodied = request.method === "POST" || request.method === "PATCH";
  const inner = new Request(`https://upload.internal/uploads/${uploadId}`, {
    method: request.method,
    headers,
    body: bodied ? request.body : null
  });
  const answer = await uploadObject(env, uploadId).fetch(inner);
  const response = new Response(answer.body, answer);
  if (response.status === 201) response.headers.set("Location", `${new URL(request.url).origin}/uploads/${uploadId}`);
  if (caller.kind === "capability") {
    response.headers.set("Upload-Capability-Expires", new Date(caller.expiresAt).toUTCString());
  }
  return response;
}

async function servePage(request: Request, env: Env, uploadId: string): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    throw new HttpError(405, "method_not_allowed", "The upload page accepts GET, HEAD", { Allow: "GET, HEAD" });
  }
  if (!isUploadId(uploadId)) throw new HttpError(404, "not_found", "No such upload page.");
  const asset = await env.ASSETS.fetch(new Request(new URL(PAGE_ASSET, request.url), { method: request.method }));
  const page = asset.ok
    ? new Response(asset.body, asset)
    : new Response(PLACEHOLDER_PAGE, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  for (const [name, value] of Object.entries(PAGE_HEADERS)) page.headers.set(name, value);
  return page;
}
