/**
 * A stand-in for the Gemini API that speaks its real wire format: the paths
 * `@google/genai` calls (`/v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`, `/v1beta/files/{id}`), the Files API
 * resumable upload (`/upload/v1beta/files`: start, upload, finalize, query,
 * with `X-Goog-Upload-*` headers and offsets checked), its JSON bodies, its
 * SSE chunks and its `{ error: { code, message, status, details } }`
 * failures. It is a plain `(Request) => Response` handler, so a fetch spy
 * inside workerd or a Node HTTP server can host it alike. It records every
 * request it receives (upload bodies by size and checksum, not content).
 */
import { Crc32 } from "./crc32";

export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  /** Parsed JSON bodies; upload chunks are recorded as `{ bytes }`. */
  body: unknown;
}

/** An incremental checksum of received bytes (CRC-32 by default). */
export interface Digest {
  update(bytes: Uint8Array): unknown;
  digest(): number | string;
}

/** One resumable upload as the fake received it. */
export interface FakeUpload {
  id: string;
  mimeType: string | null;
  declaredBytes: number | null;
  displayName: string | undefined;
  received: number;
  crc: Digest;
  chunkSizes: number[];
  file?: FakeFile;
}

export interface FakeFile {
  name: string;
  uri: string;
  mimeType: string;
  sizeBytes: string;
  state: "PROCESSING" | "ACTIVE" | "FAILED";
  /** Polls answered PROCESSING before the state changes. */
  pollsLeft: number;
  durationSeconds: number;
  failWith?: string;
  deleted: boolean;
}

/** What the next file the fake finalizes does while "processing". */
export interface FileBehavior {
  pollsBeforeDone: number;
  failWith?: string;
  /** The video's length reported once ACTIVE (default 60 s). */
  durationSeconds?: number;
}

/** `inputTokenLimit` of every model the fake knows nothing else about. */
export const DEFAULT_INPUT_TOKEN_LIMIT = 1_048_576;
/** Files expire this long after upload, as on Gemini. */
const FILE_LIFETIME_MS = 48 * 3600_000;

/**
 * Something the fake did that the server under test reacts to, reported the
 * moment it happens (before the response goes out), so a benchmark can time
 * the server's reaction.
 */
export type FakeGeminiEvent =
  /** An upload was finalized: the file exists (and answers polls from now on). */
  | { kind: "file-finalized"; file: string }
  /** A `files.get` poll is being answered with this state. */
  | { kind: "file-polled"; file: string; state: FakeFile["state"] }
  /** A `streamGenerateContent` chunk was written; `textLength` counts the answer so far. */
  | { kind: "chunk-sent"; index: number; chunks: number; textLength: number };

type ErrorBehavior = { kind: "error"; httpStatus: number; status: string; message: string; details?: unknown[] };

/** What the next generate call does. */
export type GenerateBehavior =
  | { kind: "answer"; chunks: string[]; finishReason?: string; chunkDelayMs?: number }
  /** Candidates with no text, ending for `finishReason` (SAFETY, RECITATION, MAX_TOKENS...). */
  | { kind: "stopped"; finishReason: string }
  | { kind: "blocked"; blockReason: string }
  | ErrorBehavior;

const DEFAULT_BEHAVIOR: GenerateBehavior = {
  kind: "answer",
  chunks: ["The video shows ", "a cat at 00:05 ", "and a dog at 01:10."]
};

const GENERATE_PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;
const MODEL_PATH = /^\/v1beta\/models\/([^/:]+)$/;
const FILE_PATH = /^\/v1beta\/(files\/[a-z0-9]+)$/;
const UPLOAD_PATH = "/upload/v1beta/files";

export class FakeGemini {
  readonly requests: RecordedRequest[] = [];
  readonly uploads = new Map<string, FakeUpload>();
  readonly files = new Map<string, FakeFile>();
  /** `inputTokenLimit` by model; a model mapped to null answers 404. */
  readonly models = new Map<string, number | null>();
  private readonly behaviors: GenerateBehavior[] = [];
  private readonly uploadFailures: ErrorBehavior[] = [];
  private readonly fileBehaviors: FileBehavior[] = [];
  private nextId = 1;
  /** Called at every `FakeGeminiEvent`. */
  onEvent?: (event: FakeGeminiEvent) => void;

  /** @param newDigest checksum for uploads; the benchmark passes a native one */
  constructor(private readonly newDigest: () => Digest = () => new Crc32()) {}

  /** Queues behaviours for the next generate calls; afterwards the default answer. */
  enqueue(...behaviors: GenerateBehavior[]): void {
    this.behaviors.push(...behaviors);
  }

  /** Makes the next upload chunk requests fail with these errors (bytes not taken). */
  failNextUploadChunks(...errors: ErrorBehavior[]): void {
    this.uploadFailures.push(...errors);
  }

  /** Queues how the next finalized files behave; by default they are ACTIVE at once. */
  enqueueFiles(...behaviors: FileBehavior[]): void {
    this.fileBehaviors.push(...behaviors);
  }

  reset(): void {
    this.requests.length = 0;
    this.behaviors.length = 0;
    this.uploadFailures.length = 0;
    this.fileBehaviors.length = 0;
    this.uploads.clear();
    this.files.clear();
    this.models.clear();
  }

  generateRequests(): RecordedRequest[] {
    return this.requests.filter((request) => GENERATE_PATH.test(request.path));
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const isChunk = url.pathname === UPLOAD_PATH && url.searchParams.has("upload_id");
    const bytes = isChunk ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const text = isChunk ? "" : await request.text();
    this.requests.push({
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: Object.fromEntries(request.headers),
      body: bytes ? { bytes: bytes.byteLength } : text ? JSON.parse(text) : undefined
    });
    if (!request.headers.get("x-goog-api-key")) {
      return errorResponse(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers.");
    }
    if (url.pathname === UPLOAD_PATH) {
      return bytes ? this.uploadCommand(request, url, bytes) : this.startUpload(request, url, text);
    }
    const file = FILE_PATH.exec(url.pathname);
    if (file) return this.fileRequest(request.method, file[1]!);
    const model = MODEL_PATH.exec(url.pathname);
    if (model && request.method === "GET") return this.modelRequest(model[1]!);
    const match = GENERATE_PATH.exec(url.pathname);
    if (!match || request.method !== "POST") {
      return errorResponse(404, "NOT_FOUND", `Fake Gemini has no ${request.method} ${url.pathname}`);
    }
    const modelName = match[1]!;
    if (this.models.get(modelName) === null) return modelNotFound(modelName);
    const fileUri = (JSON.parse(text) as { contents?: { parts?: { fileData?: { fileUri?: string } }[] }[] }).contents?.[0]
      ?.parts?.[0]?.fileData?.fileUri;
    const uploaded = [...this.files.values()].find((candidate) => candidate.uri === fileUri);
    if (fileUri?.includes("/v1beta/files/") && uploaded?.state !== "ACTIVE") {
      return errorResponse(400, "FAILED_PRECONDITION", `The file ${fileUri} is not in an ACTIVE state.`);
    }
    const behavior = this.behaviors.shift() ?? DEFAULT_BEHAVIOR;
    if (behavior.kind === "error") {
      return errorResponse(behavior.httpStatus, behavior.status, behavior.message, behavior.details);
    }
    const chunks = responseChunks(behavior, modelName);
    if (match[2] === "generateContent") return Response.json(mergeChunks(chunks));
    const delayMs = behavior.kind === "answer" ? (behavior.chunkDelayMs ?? 0) : 0;
    return sseResponse(chunks, delayMs, request.signal, (index, textLength) =>
      this.onEvent?.({ kind: "chunk-sent", index, chunks: chunks.length, textLength })
    );
  }

  private startUpload(request: Request, url: URL, text: string): Response {
    if (request.headers.get("X-Goog-Upload-Protocol") !== "resumable" || request.headers.get("X-Goog-Upload-Command") !== "start") {
      return errorResponse(400, "INVALID_ARGUMENT", "Expected a resumable upload start.");
    }
    const id = `u${this.uploads.size + 1}`;
    const declared = request.headers.get("X-Goog-Upload-Header-Content-Length");
    this.uploads.set(id, {
      id,
      mimeType: request.headers.get("X-Goog-Upload-Header-Content-Type"),
      declaredBytes: declared === null ? null : Number(declared),
      displayName: (JSON.parse(text || "{}") as { file?: { displayName?: string } }).file?.displayName,
      received: 0,
      crc: this.newDigest(),
      chunkSizes: []
    });
    return new Response(null, {
      headers: {
        "X-Goog-Upload-URL": `${url.origin}${UPLOAD_PATH}?upload_id=${id}&upload_protocol=resumable`,
        "X-Goog-Upload-Status": "active",
        "X-Goog-Upload-Chunk-Granularity": "262144"
      }
    });
  }

  private uploadCommand(request: Request, url: URL, bytes: Uint8Array): Response {
    const upload = this.uploads.get(url.searchParams.get("upload_id") ?? "");
    if (!upload) return errorResponse(404, "NOT_FOUND", "No such upload session.");
    const command = (request.headers.get("X-Goog-Upload-Command") ?? "").split(",").map((part) => part.trim());
    if (command.includes("query")) {
      return new Response(null, {
        headers: { "X-Goog-Upload-Status": upload.file ? "final" : "active", "X-Goog-Upload-Size-Received": String(upload.received) }
      });
    }
    const failure = this.uploadFailures.shift();
    if (failure) return errorResponse(failure.httpStatus, failure.status, failure.message, failure.details);
    const offset = Number(request.headers.get("X-Goog-Upload-Offset"));
    if (offset !== upload.received) {
      return errorResponse(400, "INVALID_ARGUMENT", `Offset ${offset} does not match the ${upload.received} bytes received.`);
    }
    upload.received += bytes.byteLength;
    upload.crc.update(bytes);
    upload.chunkSizes.push(bytes.byteLength);
    if (!command.includes("finalize")) return new Response(null, { headers: { "X-Goog-Upload-Status": "active" } });
    if (upload.declaredBytes !== null && upload.declaredBytes !== upload.received) {
      return errorResponse(400, "INVALID_ARGUMENT", `Declared ${upload.declaredBytes} bytes but received ${upload.received}.`);
    }
    const id = `f${this.nextId++}`;
    const behavior = this.fileBehaviors.shift() ?? { pollsBeforeDone: 0 };
    const file: FakeFile = {
      name: `files/${id}`,
      uri: `${url.origin}/v1beta/files/${id}`,
      mimeType: upload.mimeType ?? "application/octet-stream",
      sizeBytes: String(upload.received),
      state: behavior.pollsBeforeDone > 0 ? "PROCESSING" : behavior.failWith ? "FAILED" : "ACTIVE",
      pollsLeft: behavior.pollsBeforeDone,
      durationSeconds: behavior.durationSeconds ?? 60,
      ...(behavior.failWith ? { failWith: behavior.failWith } : {}),
      deleted: false
    };
    upload.file = file;
    this.files.set(file.name, file);
    this.onEvent?.({ kind: "file-finalized", file: file.name });
    return Response.json({ file: fileResource(file) }, { headers: { "X-Goog-Upload-Status": "final" } });
  }

  private modelRequest(model: string): Response {
    const limit = this.models.has(model) ? this.models.get(model)! : DEFAULT_INPUT_TOKEN_LIMIT;
    if (limit === null) return modelNotFound(model);
    return Response.json({
      name: `models/${model}`,
      version: "001",
      displayName: model,
      inputTokenLimit: limit,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: ["generateContent", "countTokens"]
    });
  }

  private fileRequest(method: string, name: string): Response {
    const file = this.files.get(name);
    if (!file || file.deleted) return errorResponse(404, "NOT_FOUND", `File ${name} not found.`);
    if (method === "DELETE") {
      file.deleted = true;
      return Response.json({});
    }
    if (file.state === "PROCESSING") {
      if (file.pollsLeft > 0) file.pollsLeft -= 1;
      else file.state = file.failWith ? "FAILED" : "ACTIVE";
    }
    this.onEvent?.({ kind: "file-polled", file: file.name, state: file.state });
    return Response.json(fileResource(file));
  }
}

function fileResource(file: FakeFile): Record<string, unknown> {
  return {
    name: file.name,
    uri: file.uri,
    mimeType: file.mimeType,
    sizeBytes: file.sizeBytes,
    state: file.state,
    expirationTime: new Date(Date.now() + FILE_LIFETIME_MS).toISOString(),
    ...(file.state === "ACTIVE" ? { videoMetadata: { videoDuration: `${file.durationSeconds}s` } } : {}),
    ...(file.state === "FAILED" ? { error: { code: 400, message: file.failWith } } : {})
  };
}

function modelNotFound(model: string): Response {
  return errorResponse(404, "NOT_FOUND", `models/${model} is not found for API version v1beta, or is not supported for generateContent.`);
}

function errorResponse(httpStatus: number, status: string, message: string, details?: unknown[]): Response {
  return Response.json(
    { error: { code: httpStatus, message, status, ...(details ? { details } : {}) } },
    { status: httpStatus }
  );
}

type Chunk = Record<string, unknown>;

function responseChunks(behavior: Exclude<GenerateBehavior, { kind: "error" }>, model: string): Chunk[] {
  if (behavior.kind === "blocked") {
    return [{ promptFeedback: { blockReason: behavior.blockReason }, modelVersion: model }];
  }
  if (behavior.kind === "stopped") {
    return [{ candidates: [{ content: { parts: [], role: "model" }, index: 0, finishReason: behavior.finishReason }], modelVersion: model }];
  }
  return behavior.chunks.map((text, index) => {
    const last = index === behavior.chunks.length - 1;
    return {
      candidates: [
        {
          content: { parts: [{ text }], role: "model" },
          index: 0,
          ...(last ? { finishReason: behavior.finishReason ?? "STOP" } : {})
        }
      ],
      ...(last
        ? { usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 40, totalTokenCount: 1040 } }
        : {}),
      modelVersion: model
    };
  });
}

function mergeChunks(chunks: Chunk[]): Chunk {
  const text = chunks.map(chunkText).join("");
  const last = chunks[chunks.length - 1] ?? {};
  return {
    ...last,
    ...(last.candidates
      ? { candidates: [{ ...(last.candidates as Chunk[])[0], content: { parts: [{ text }], role: "model" } }] }
      : {})
  };
}

function chunkText(chunk: Chunk): string {
  return (chunk.candidates as { content: { parts: { text: string }[] } }[] | undefined)?.[0]?.content.parts[0]?.text ?? "";
}

function sseResponse(
  chunks: Chunk[],
  delayMs: number,
  signal: AbortSignal,
  onSent: (index: number, textLength: number) => void
): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let textLength = 0;
      for (const [index, chunk] of chunks.entries()) {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (signal.aborted) break;
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\r\n\r\n`));
        textLength += chunkText(chunk).length;
        onSent(index, textLength);
      }
      controller.close();
    }
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}
