/**
 * The console's routes in the front Worker: the page's files (`GET /` and
 * `/console/...`, from Workers static assets, with a strict
 * Content-Security-Policy) and its JSON API under `/console/api/`. Every API
 * route but sign-in needs the sign-in cookie, and every one refuses a request
 * another site could have made (see `refuseCrossSite`).
 * @module
 */
import { TRANSCRIPT_FILE_TYPES, transcriptFile, type TranscriptFileType } from "../analysis/transcript-files";
import type { Env } from "../env";
import { configuredSecret } from "../http/auth";
import { checkDeclaredLength, readBodyText } from "../http/body";
import { HttpError } from "../http/errors";
import { jobOwnerSession } from "../jobs/job-id";
import { checkOwnerSecret } from "../oauth/owner-secret";
import { consoleObject, reportOf } from "../session/console-reporter";
import { toEntry, toRecord } from "./analysis-entry";
import { CONSOLE_SESSION_HEADER } from "./console-do";
import { serveLibraryApi } from "./library-routes";
import {
  CONSOLE_SESSION_SECONDS,
  clearCookie,
  isCleartextOffLoopback,
  isIssuedToken,
  newToken,
  setCookie,
  tokenHash,
  tokenOf
} from "./cookie-session";
import { startAnalysis } from "./start-analysis";

const API = "/console/api";
const JOB_ID = "([0-9a-f]{32}\\.[0-9a-f]{16})";
const ANALYSIS_PATH = new RegExp(`^${API}/analyses/${JOB_ID}$`);
const CANCEL_PATH = new RegExp(`^${API}/analyses/${JOB_ID}/cancel$`);
const DOWNLOAD_PATH = new RegExp(`^${API}/analyses/${JOB_ID}/transcript\\.(${TRANSCRIPT_FILE_TYPES.join("|")})$`);

/**
 * Nothing but this server's own files: no inline script or style, no
 * third-party request, no framing, and no form that posts anywhere (the
 * console's own forms send with fetch, so a form that got into the page, as
 * from an answer, cannot act on the API).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'"
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CONSOLE_CSP,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin"
};

export function isConsolePath(pathname: string): boolean {
  return pathname === "/" || pathname.startsWith("/console/");
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  const copy = new Response(response.body, response);
  for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
  return copy;
}

async function asset(request: Request, env: Env): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    throw new HttpError(405, "method_not_allowed", "The console's files accept GET, HEAD", { Allow: "GET, HEAD" });
  }
  return withHeaders(await env.ASSETS.fetch(request), { ...SECURITY_HEADERS, "Cache-Control": "no-cache" });
}

/**
 * CSRF: a request must come from this server's own pages. A browser sends
 * `Origin` with every POST and with cross-origin reads, and `Sec-Fetch-Site`
 * with every request; either one naming another site is refused, and so is a
 * POST without `Origin`. (The cookie is SameSite=Strict as well.)
 */
function refuseCrossSite(request: Request): void {
  const origin = request.headers.get("Origin");
  const site = request.headers.get("Sec-Fetch-Site");
  const ownOrigin = new URL(request.url).origin;
  const crossSite = (origin !== null && origin !== ownOrigin) || (site !== null && site !== "same-origin" && site !== "none");
  if (crossSite || (request.method !== "GET" && origin === null)) {
    throw new HttpError(403, "cross_site_request", "The console's API answers only the console's own pages.");
  }
}

/** The sign-in's token hash; a token whose MAC fails never reaches the console object. */
export async function requireSignIn(request: Request, env: Env): Promise<string> {
  const token = tokenOf(request);
  const secret = configuredSecret(env.SHARED_SECRET);
  const issued = token !== undefined && secret !== undefined && (await isIssuedToken(secret, token));
  const hash = issued ? await tokenHash(token) : undefined;
  if (hash === undefined || !(await consoleObject(env).isSession(hash))) {
    throw new HttpError(401, "signed_out", "Sign in to the console with the server's secret.");
  }
  return hash;
}

function json(body: unknown, init: ResponseInit = {}): Response {
  const response = Response.json(body, init);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

async function readJson(request: Request): Promise<Record<string, unknown>> {
  if (!(request.headers.get("Content-Type") ?? "").toLowerCase().startsWith("application/json")) {
    throw new HttpError(415, "unsupported_media_type", "Send JSON (Content-Type: application/json).");
  }
  try {
    const body: unknown = JSON.parse(await readBodyText(request));
    // SAFETY: JSON that parses to an object, not null nor an array, is a plain object with string keys.
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // Answered below.
  }
  throw new HttpError(400, "invalid_json", "The body must be a JSON object.");
}

async function signIn(request: Request, env: Env): Promise<Response> {
  if (isCleartextOffLoopback(request)) {
    const https = new URL("/", request.url);
    https.protocol = "https:";
    throw new HttpError(
      400,
      "https_required",
      `Sign in over https (${https.href}): over plain http the secret would cross the network unencrypted.`
    );
  }
  const { secret } = await readJson(request);
  const check = await checkOwnerSecret(env, request, typeof secret === "string" ? secret : "");
  if (!check.ok) {
    throw new HttpError(check.status, check.status === 429 ? "throttled" : "wrong_secret", check.message, {
      "Retry-After": String(check.retryAfterSeconds)
    });
  }
  const token = await newToken(check.secret);
  await consoleObject(env).createSession(await tokenHash(token), Date.now() + CONSOLE_SESSION_SECONDS * 1000);
  return json({ signedIn: true }, { headers: { "Set-Cookie": setCookie(request, token) } });
}

async function signOut(request: Request, env: Env, hash: string): Promise<Response> {
  await consoleObject(env).endSession(hash);
  return json({ signedIn: false }, { headers: { "Set-Cookie": clearCookie(request) } });
}

function notFound(id: string): HttpError {
  return new HttpError(404, "unknown_analysis", `No analysis ${id} in this deployment's console.`);
}

async function download(env: Env, id: string, type: TranscriptFileType): Promise<Response> {
  const report = await consoleObject(env).get(id);
  if (!report) throw notFound(id);
  const record = toRecord(report);
  const { job } = report;
  if (record.answer?.kind !== "transcript") {
    throw new HttpError(409, "no_transcript", `Analysis ${id} has no transcript${job.state === "done" ? "" : " yet"}.`);
  }
  const file = transcriptFile(record.answer.transcript, type, record.durationSeconds);
  return new Response(file.body, {
    headers: {
      "Content-Type": file.contentType,
      "Content-Disposition": `attachment; filename="transcript-${id.split(".")[1]}.${type}"`,
      "Cache-Control": "no-store"
    }
  });
}

async function cancel(env: Env, id: string): Promise<Response> {
  const owner = jobOwnerSession(id);
  if (!owner || !(await consoleObject(env).get(id))) throw notFound(id);
  const job = await env.SESSIONS.get(env.SESSIONS.idFromName(owner)).cancelJob(id, "cancelled from the console");
  if (!job) throw notFound(id);
  // The owner's word is the truth: it repairs an index whose final report was lost.
  const report = reportOf(job);
  await consoleObject(env).record(report);
  return json(toEntry(report));
}

async function api(request: Request, env: Env, defaultModel: string): Promise<Response> {
  const { pathname } = new URL(request.url);
  refuseCrossSite(request);
  const post = request.method === "POST";
  if (pathname === `${API}/sign-in` && post) return signIn(request, env);
  const hash = await requireSignIn(request, env);
  if (pathname === `${API}/sign-out` && post) return signOut(request, env, hash);
  if (pathname === `${API}/me` && request.method === "GET") return json({ signedIn: true });
  if (pathname === `${API}/spend` && request.method === "GET") return json(await consoleObject(env).spend());
  if (pathname === `${API}/events` && request.method === "GET") {
    return consoleObject(env).fetch(request.url, { headers: { [CONSOLE_SESSION_HEADER]: hash } });
  }
  if (pathname === `${API}/analyses`) {
    if (request.method === "GET") return json(await consoleObject(env).list());
    if (post) {
      const started = await startAnalysis(env, await readJson(request), defaultModel);
      return started.ok ? json({ id: started.jobId }, { status: 201 }) : json({ problems: started.problems }, { status: 400 });
    }
  }
  const analysis = ANALYSIS_PATH.exec(pathname);
  if (analysis && request.method === "GET") {
    // SAFETY: ANALYSIS_PATH, CANCEL_PATH and DOWNLOAD_PATH capture the job id (and the file type) in every match.
    const report = await consoleObject(env).get(analysis[1]!);
    if (!report) throw notFound(analysis[1]!);
    return json(toRecord(report));
  }
  const cancelled = CANCEL_PATH.exec(pathname);
  if (cancelled && post) return cancel(env, cancelled[1]!);
  const file = DOWNLOAD_PATH.exec(pathname);
  if (file && request.method === "GET") return download(env, file[1]!, file[2] as TranscriptFileType);
  const library = await serveLibraryApi(request, env);
  if (library) return library;
  throw new HttpError(404, "not_found", `No console route ${request.method} ${pathname}`);
}

/** Answers a request on a console path (see `isConsolePath`). */
export async function serveConsole(request: Request, env: Env, defaultModel: string): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (!pathname.startsWith(`${API}/`)) return asset(request, env);
  checkDeclaredLength(request);
  const response = await api(request, env, defaultModel);
  return withHeaders(response, { "X-Content-Type-Options": "nosniff" });
}
