/**
 * The fake Gemini's Batch API, as the REST reference (v1beta, "Batch API")
 * documents it for inlined requests:
 *
 * - `models/{model}:batchGenerateContent` takes `batch.inputConfig.requests.requests`
 *   (each `{ request: GenerateContentRequest, metadata }`) and answers an
 *   `Operation` named `batches/{id}` whose `metadata` is the
 *   `GenerateContentBatch` (`model`, `displayName`, `state`, `batchStats`,
 *   times).
 * - `batches/{id}` (GET) answers the same operation; each poll moves the batch
 *   on (BATCH_STATE_PENDING, then RUNNING, then its outcome). Once
 *   BATCH_STATE_SUCCEEDED it is `done`, with the answers in order as
 *   `inlinedResponses.inlinedResponses` (in `metadata.output` and in `response`),
 *   each a whole `GenerateContentResponse` with its `usageMetadata`, or a
 *   `google.rpc.Status` `error`.
 * - `batches/{id}:cancel` (POST) and `batches/{id}` (DELETE), and the list.
 *
 * Each request is answered when the batch completes, by the fake's own
 * `generateContent` (so queued behaviours and implicit caching apply).
 */
import { resourceId } from "./fake-gemini-caches";
import { errorResponse, geminiErrors, type ErrorBehavior } from "./fake-gemini-wire";

/** Answers one request unstreamed, as `generateContent` would. */
export type BatchAnswerer = (model: string, request: Record<string, unknown>) => Response | Promise<Response>;

export type BatchState =
  | "BATCH_STATE_PENDING"
  | "BATCH_STATE_RUNNING"
  | "BATCH_STATE_SUCCEEDED"
  | "BATCH_STATE_FAILED"
  | "BATCH_STATE_CANCELLED"
  | "BATCH_STATE_EXPIRED";

/** How the next batch created behaves. */
export interface BatchBehavior {
  /** Polls answered PENDING before the batch runs (default 0). */
  pollsPending?: number;
  /** Polls answered RUNNING before it ends (default 1). */
  pollsRunning?: number;
  /** How it ends (default SUCCEEDED). */
  outcome?: "BATCH_STATE_SUCCEEDED" | "BATCH_STATE_FAILED" | "BATCH_STATE_EXPIRED";
}

interface InlinedRequest {
  request: Record<string, unknown>;
  metadata?: unknown;
}

export interface FakeBatch {
  name: string;
  model: string;
  displayName: string | undefined;
  requests: InlinedRequest[];
  state: BatchState;
  pollsPending: number;
  pollsRunning: number;
  outcome: NonNullable<BatchBehavior["outcome"]>;
  createTime: number;
  updateTime: number;
  endTime: number | undefined;
  /** Filled when it succeeds. */
  responses: Record<string, unknown>[] | undefined;
}

const CREATE_PATH = /^\/v1beta\/models\/([^/:]+):batchGenerateContent$/;
const BATCH_PATH = /^\/v1beta\/(batches\/[a-z0-9]+)(:cancel)?$/;
const LIST_PATH = "/v1beta/batches";
const TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.";
const TERMINAL: BatchState[] = ["BATCH_STATE_SUCCEEDED", "BATCH_STATE_FAILED", "BATCH_STATE_CANCELLED", "BATCH_STATE_EXPIRED"];
/** `google.rpc.Code` values a batch or one of its requests ends with. */
const RPC_CODE: Record<string, number> = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7 };

const batchNotFound = (): ErrorBehavior => ({
  kind: "error",
  httpStatus: 404,
  status: "NOT_FOUND",
  message: "Requested entity was not found."
});

export class FakeBatches {
  /** The fake's clock, in epoch milliseconds. */
  now: () => number = () => Date.now();
  readonly entries = new Map<string, FakeBatch>();
  private readonly behaviors: BatchBehavior[] = [];

  constructor(
    private readonly answer: BatchAnswerer,
    private readonly modelExists: (model: string) => boolean
  ) {}

  /** Queues how the next batches behave; afterwards one poll RUNNING, then SUCCEEDED. */
  enqueue(...behaviors: BatchBehavior[]): void {
    this.behaviors.push(...behaviors);
  }

  reset(): void {
    this.entries.clear();
    this.behaviors.length = 0;
    this.now = () => Date.now();
  }

  /** Answers the Batch API; undefined for any other path. */
  async handle(method: string, path: string, body: unknown): Promise<Response | undefined> {
    const create = CREATE_PATH.exec(path);
    if (create && method === "POST") return this.create(create[1]!, body);
    if (path === LIST_PATH && method === "GET") {
      const operations = [...this.entries.values()].map((batch) => operation(batch));
      return Response.json(operations.length > 0 ? { operations } : {});
    }
    const match = BATCH_PATH.exec(path);
    if (!match) return undefined;
    const batch = this.entries.get(match[1]!);
    if (!batch) return errorResponse(batchNotFound());
    if (match[2] === ":cancel" && method === "POST") {
      if (!TERMINAL.includes(batch.state)) this.end(batch, "BATCH_STATE_CANCELLED");
      return Response.json({});
    }
    if (match[2]) return undefined;
    if (method === "DELETE") {
      this.entries.delete(batch.name);
      return Response.json({});
    }
    if (method !== "GET") return undefined;
    await this.advance(batch);
    return Response.json(operation(batch));
  }

  private create(model: string, body: unknown): Response {
    if (!this.modelExists(model)) return errorResponse(geminiErrors.modelNotFound(model, "batchGenerateContent"));
    const batch = ((body ?? {}) as { batch?: { displayName?: unknown; inputConfig?: { requests?: { requests?: unknown } } } })
      .batch;
    const requests = batch?.inputConfig?.requests?.requests;
    if (!Array.isArray(requests) || requests.length === 0) {
      return errorResponse(
        geminiErrors.invalidArgument("batch.input_config", "Batch input config must contain requests or a file name.")
      );
    }
    for (const [index, inlined] of requests.entries()) {
      if (typeof (inlined as InlinedRequest | null)?.request !== "object") {
        return errorResponse(
          geminiErrors.invalidArgument(`batch.input_config.requests.requests[${index}].request`, "request is required.")
        );
      }
    }
    const behavior = this.behaviors.shift() ?? {};
    const now = this.now();
    const created: FakeBatch = {
      name: `batches/${resourceId(36)}`,
      model: `models/${model}`,
      displayName: typeof batch?.displayName === "string" ? batch.displayName : undefined,
      requests: requests as InlinedRequest[],
      state: "BATCH_STATE_PENDING",
      pollsPending: behavior.pollsPending ?? 0,
      pollsRunning: behavior.pollsRunning ?? 1,
      outcome: behavior.outcome ?? "BATCH_STATE_SUCCEEDED",
      createTime: now,
      updateTime: now,
      endTime: undefined,
      responses: undefined
    };
    this.entries.set(created.name, created);
    return Response.json(operation(created));
  }

  /** One poll's worth of progress. */
  private async advance(batch: FakeBatch): Promise<void> {
    if (batch.state === "BATCH_STATE_PENDING") {
      if (batch.pollsPending > 0) batch.pollsPending -= 1;
      else this.move(batch, "BATCH_STATE_RUNNING");
    }
    if (batch.state !== "BATCH_STATE_RUNNING") return;
    if (batch.pollsRunning > 0) {
      batch.pollsRunning -= 1;
      return;
    }
    if (batch.outcome === "BATCH_STATE_SUCCEEDED") {
      const model = batch.model.slice("models/".length);
      batch.responses = [];
      for (const inlined of batch.requests) {
        batch.responses.push({
          ...(await this.inlinedResponse(model, inlined.request)),
          ...(inlined.metadata !== undefined ? { metadata: inlined.metadata } : {})
        });
      }
    }
    this.end(batch, batch.outcome);
  }

  private async inlinedResponse(model: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answered = await this.answer(model, request);
    const json = (await answered.json()) as Record<string, unknown>;
    if (!answered.ok) {
      const { message, status } = (json.error ?? {}) as { message?: string; status?: string };
      return { error: { code: RPC_CODE[status ?? ""] ?? 13, message } };
    }
    // Batch answers are not ON_DEMAND traffic; Gemini leaves `trafficType` out of them.
    const { trafficType: _, ...usageMetadata } = (json.usageMetadata ?? {}) as Record<string, unknown>;
    return { response: { ...json, usageMetadata } };
  }

  private move(batch: FakeBatch, state: BatchState): void {
    batch.state = state;
    batch.updateTime = this.now();
  }

  private end(batch: FakeBatch, state: BatchState): void {
    this.move(batch, state);
    batch.endTime = batch.updateTime;
  }
}

/** The batch as the `Operation` Gemini answers for it. */
function operation(batch: FakeBatch): Record<string, unknown> {
  const done = TERMINAL.includes(batch.state);
  const failed = batch.responses?.filter((response) => "error" in response).length ?? 0;
  const output = batch.responses ? { inlinedResponses: { inlinedResponses: batch.responses } } : undefined;
  const count = String(batch.requests.length);
  return {
    name: batch.name,
    metadata: {
      "@type": `${TYPE}GenerateContentBatch`,
      model: batch.model,
      ...(batch.displayName !== undefined ? { displayName: batch.displayName } : {}),
      ...(output ? { output } : {}),
      createTime: new Date(batch.createTime).toISOString(),
      ...(batch.endTime !== undefined ? { endTime: new Date(batch.endTime).toISOString() } : {}),
      updateTime: new Date(batch.updateTime).toISOString(),
      batchStats: batch.responses
        ? {
            requestCount: count,
            ...(batch.responses.length > failed ? { successfulRequestCount: String(batch.responses.length - failed) } : {}),
            ...(failed > 0 ? { failedRequestCount: String(failed) } : {})
          }
        : done
          ? { requestCount: count }
          : { requestCount: count, pendingRequestCount: count },
      state: batch.state,
      name: batch.name
    },
    ...(done ? { done: true } : {}),
    ...(output ? { response: { "@type": `${TYPE}GenerateContentBatchOutput`, ...output } } : {})
  };
}
