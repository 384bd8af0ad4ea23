/**
 * Session-less tool calls, checked in the front Worker: answered there when
 * the tools refuse them before reaching for a job, and otherwise sent to the
 * one Durable Object the job they reach for lives in.
 *
 * Why: every Durable Object a request reaches writes agents' tables when it
 * starts, so an object made for a call that touches no job (bad arguments, a
 * URL no analysis could use, a header that disagrees with the body, a job id
 * this server never issued, a listing of a session that does not exist) is
 * storage left behind. 2026-era clients and session-less `/rpc` callers send
 * such calls all day.
 *
 * How: the call runs through the real tools, and the SDK's own checks, over
 * `ProbeJobs`: jobs that stop the first time a tool reaches for one, which is
 * a new analysis once its source passed the check the session's jobs make
 * (`checkVideoSource`), or a job this server issued. The probe's answer is
 * dropped then, and the call goes where the reach points: the object that
 * owns the job, the video's own object (`source-affinity.ts`), or a fresh
 * object. A call that never reaches is answered here, as any object would
 * have answered it.
 * @module
 */
import type { SessionIds } from "../ids/signed-session-id";
import { jobOwnerSession } from "../jobs/job-id";
import type { AnalysisInput } from "../jobs/job";
import type { JobService } from "../jobs/job-service";
import { checkVideoSource, type VideoSource } from "../jobs/source-check";
import { createMcpServer, createTaskServer } from "../mcp-server";
import type { TaskRecords } from "../tasks/task-methods";
import { runsAsTask } from "../tasks/task-routing";
import type { MediaLinks } from "../video/media-link";
import type { LibraryService } from "../library/library-service";
import type { ToolDeps } from "../tools";
import type { UploadService } from "../tools/deps";
import { answerRpcBody } from "../transport/rpc-endpoint";
import { SessionTransport } from "../transport/session-transport";
import { createStatelessHttp } from "../transport/stateless-http";

/** Where a call that reached for a job must run. */
export type CallTarget = { kind: "owner"; sessionId: string } | { kind: "video"; source: VideoSource } | { kind: "fresh" };

export type ProbedCall = { answer: Response } | { target: CallTarget };

export interface ProbeSettings {
  ids: SessionIds;
  allowPrivateVideoUrls: boolean;
  defaultModel: string;
  /** The library: its tools never reach for a job, so they are answered in the front Worker. */
  library: LibraryService;
  /** Uploads are made here, in the Worker: they need no session. */
  uploads: UploadService;
  /** The viewer's media links: its resource names the server's origin (`resources/read` is answered here). */
  media?: MediaLinks;
}

/** Thrown into a tool the moment it reaches for a job; what it answers then is dropped. */
class NeedsObject extends Error {
  constructor() {
    super("This call runs in a Durable Object");
    this.name = "NeedsObject";
  }
}

/** Jobs that record the first reach for one and stop there. */
class ProbeJobs implements JobService {
  target: CallTarget | undefined;

  constructor(private readonly settings: ProbeSettings) {}

  private reach(target: CallTarget): never {
    this.target ??= target;
    throw new NeedsObject();
  }

  /** A job another call made; undefined (no such job) for an id this server never issued. */
  private async reachJob(jobId: string): Promise<undefined> {
    const owner = jobOwnerSession(jobId);
    if (owner && (await this.settings.ids.verify(owner))) this.reach({ kind: "owner", sessionId: owner });
    return undefined;
  }

  async start(input: AnalysisInput): Promise<never> {
    const source = checkVideoSource(input.source, this.settings.allowPrivateVideoUrls);
    return this.reach(source.kind === "url" ? { kind: "video", source } : { kind: "fresh" });
  }

  /** A session-less call has no session, so no jobs of its own to list. */
  list(): [] {
    return [];
  }

  wait(jobId: string): Promise<undefined> {
    return this.reachJob(jobId);
  }

  cancel(jobId: string): Promise<undefined> {
    return this.reachJob(jobId);
  }

  /** No job is held here; a tool reaches for one through start, wait or cancel (the viewer's media link looks first). */
  get(): undefined {
    return undefined;
  }

  // Tools ask for these only about a job they started, which has reached already.

  watch(): never {
    return this.reach({ kind: "fresh" });
  }

  follow(): never {
    return this.reach({ kind: "fresh" });
  }
}

/** A task is stored only after its job started, which the probe never lets happen. */
const NO_TASKS: TaskRecords = {
  get: () => undefined,
  create: () => {
    throw new NeedsObject();
  }
};

function toolDeps(jobs: ProbeJobs, settings: ProbeSettings): ToolDeps {
  // The probe stops before any job is shown, so no result of its is ever cut.
  return {
    jobs,
    defaultModel: settings.defaultModel,
    callBudgetMs: 0,
    maxResultChars: 0,
    library: settings.library,
    uploads: settings.uploads,
    ...(settings.media ? { media: settings.media } : {})
  };
}

/**
 * A session-less `POST /rpc` body. A batch whose calls reach for a job runs
 * in a fresh object, as its calls may name different videos.
 */
export async function probeRpcCall(text: string, parsedBody: unknown, settings: ProbeSettings): Promise<ProbedCall> {
  const jobs = new ProbeJobs(settings);
  const transport = new SessionTransport(() => {});
  const server = createMcpServer(toolDeps(jobs, settings));
  await server.connect(transport);
  const answer = await answerRpcBody(text, transport);
  await server.close();
  if (!jobs.target) return { answer };
  await answer.body?.cancel();
  return { target: Array.isArray(parsedBody) ? { kind: "fresh" } : jobs.target };
}

/** 2026-era methods that may reach for a job: a tool call, and reading an analysis's files (`resources/`). */
const PROBED_METHODS = new Set(["tools/call", "resources/list", "resources/templates/list", "resources/read"]);

export function isProbedMethod(method: unknown): boolean {
  return typeof method === "string" && PROBED_METHODS.has(method);
}

/** A 2026-era `tools/call` (blocking, or one that becomes a task) or resource request. */
export async function probeModernCall(request: Request, parsedBody: unknown, settings: ProbeSettings): Promise<ProbedCall> {
  const jobs = new ProbeJobs(settings);
  const tools = toolDeps(jobs, settings);
  const http = createStatelessHttp(
    () => (runsAsTask(parsedBody) ? createTaskServer({ tools, store: NO_TASKS, ttlMs: 0 }) : createMcpServer(tools)),
    0
  );
  const response = await http.handle(request, parsedBody);
  // Read to its end, so the tool has run as far as it goes.
  const body = await response.arrayBuffer();
  return jobs.target ? { target: jobs.target } : { answer: new Response(body, response) };
}
