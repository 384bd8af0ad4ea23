/**
 * A stand-in for the Gemini API (v1beta) that answers as its REST reference
 * documents, whatever our server happens to read today:
 *
 * - `models/{model}:generateContent` and `:streamGenerateContent?alt=sse`:
 *   whole `GenerateContentResponse`s: candidates with `content.parts` (text
 *   parts carry a `thoughtSignature` on Gemini 3 models), `role`,
 *   `finishReason`, `safetyRatings`, `citationMetadata.citationSources`,
 *   `index` (and `avgLogprobs` unstreamed); `usageMetadata` on every chunk,
 *   in full on the last (per-modality details, `thoughtsTokenCount`,
 *   implicit-cache counts, `trafficType`); `modelVersion`; `responseId`;
 *   `promptFeedback` with `blockReason` and ratings when the prompt is blocked.
 * - `models/{model}:countTokens`, with `contents` or a `generateContentRequest`,
 *   counted from the request (see fake-gemini-tokens.ts).
 * - `models/{model}` (`models.get`): a whole `Model`.
 * - the Files API: the resumable upload (`/upload/v1beta/files`: start,
 *   upload, finalize, query, `X-Goog-Upload-*` headers and offsets checked),
 *   `files.get` and `files.delete` on whole `File` resources.
 * - failures as `{ error: { code, message, status, details } }`, with the
 *   `details` Google sends (see `geminiErrors`).
 * - context caching, explicit (`cachedContents`) and implicit, and the Batch
 *   API: see fake-gemini-caches.ts and fake-gemini-batches.ts.
 * - long videos (see fake-gemini-script.ts): a video given a script is
 *   transcribed (or cut into chapters) for the window the request's
 *   `videoMetadata` asks about, in the video's time convention; every answer
 *   stops with `MAX_TOKENS` at the request's `maxOutputTokens` or the model's
 *   `outputTokenLimit`; and `tokensPerSecond` makes generation take time.
 *
 * It is a plain `(Request) => Response` handler, so a fetch spy inside
 * workerd or a Node HTTP server can host it alike. It records every request
 * it receives (upload bodies by size and checksum, not content).
 */
import { Crc32 } from "./crc32";
import { FakeBatches } from "./fake-gemini-batches";
import { type CacheableRequest, FakeCaches, withCache } from "./fake-gemini-caches";
import {
  countPrompt,
  familyOf,
  textTokens,
  type GenerateContentRequestBody,
  type ModalityTokenCount,
  type PromptCount,
  type VideoLookup
} from "./fake-gemini-tokens";
import {
  errorResponse,
  fileResource,
  geminiErrors,
  modelResource,
  modelVersionOf,
  opaqueToken,
  safetyRatings,
  sseFrame,
  type ErrorBehavior,
  type FakeFile,
  type FakeModel
} from "./fake-gemini-wire";
import {
  cutAtOutputLimit,
  generationDelaysMs,
  requestedWindow,
  scriptedAnswer,
  textOnlyAnswer,
  type VideoScript
} from "./fake-gemini-script";

export type { ScriptLine, TimeConvention, VideoScript } from "./fake-gemini-script";
export { DEFAULT_INPUT_TOKEN_LIMIT, geminiErrors, type ErrorBehavior, type FakeFile, type FakeModel } from "./fake-gemini-wire";
export type { BatchBehavior, FakeBatch } from "./fake-gemini-batches";
export { DEFAULT_IMPLICIT_WINDOW_MS, type FakeCachedContent } from "./fake-gemini-caches";

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
  /** Bytes of every upload request that reached the fake, accepted or refused: `sent - received` is what was sent twice. */
  sent: number;
  crc: Digest;
  chunkSizes: number[];
  file?: FakeFile;
}

/** What the next file the fake finalizes does while "processing". */
export interface FileBehavior {
  pollsBeforeDone: number;
  failWith?: string;
  /** The video's length reported once ACTIVE (default 60 s). */
  durationSeconds?: number;
  /** How long Gemini keeps the file: its `expirationTime` is this after upload (default 48 h, as Gemini does). */
  lifetimeMs?: number;
  /** What is said in the video: requests about it are answered from this (see `FakeGemini.scripts`). */
  script?: VideoScript;
}

/** A source Gemini names when an answer quotes it. */
export interface CitationSource {
  startIndex: number;
  endIndex: number;
  uri: string;
  license?: string;
}

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

/** What the next generate call does. */
export type GenerateBehavior =
  | {
      kind: "answer";
      chunks: string[];
      finishReason?: string;
      chunkDelayMs?: number;
      /** `thoughtsTokenCount` (default `DEFAULT_THOUGHTS_TOKENS`; 0 leaves it out, as Gemini leaves out zeros). */
      thoughtsTokens?: number;
      /** Sent as the last chunk's `citationMetadata.citationSources`. */
      citations?: CitationSource[];
      /** Merged into the last chunk's `usageMetadata`: counts the fake does not make (tool use...), or fields Gemini adds later. */
      usage?: Record<string, unknown>;
    }
  /** Candidates with no text, ending for `finishReason` (SAFETY, RECITATION, MAX_TOKENS...). */
  | { kind: "stopped"; finishReason: string }
  | { kind: "blocked"; blockReason: string }
  | ErrorBehavior;

/** What the next `countTokens` call does; by default it counts the request. */
export type CountTokensBehavior = { kind: "count"; totalTokens: number } | ErrorBehavior;

const DEFAULT_BEHAVIOR: GenerateBehavior = {
  kind: "answer",
  chunks: ["The video shows ", "a cat at 00:05 ", "and a dog at 01:10."]
};
/** What thinking models (every current Gemini) report spending before they answer. */
export const DEFAULT_THOUGHTS_TOKENS = 384;
/** dQw4w9WgXcQ is 3:33 long; any YouTube video the fake is not told about is too. */
export const DEFAULT_YOUTUBE_SECONDS = 213;
/** Files expire this long after upload, as on Gemini. */
const FILE_LIFETIME_MS = 48 * 3600_000;

const MODEL_METHOD_PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;
const MODEL_PATH = /^\/v1beta\/models\/([^/:]+)$/;
const FILE_PATH = /^\/v1beta\/(files\/[a-z0-9-]+)$/;
const FILE_URI = /\/v1beta\/(files\/[a-z0-9-]+)$/;
const UPLOAD_PATH = "/upload/v1beta/files";
/**
 * Every chunk but the last must be a multiple of this: Gemini's upload server
 * advertises 8 MiB and refuses others ("The client sent 821333 bytes, which
 * is not a multiple of the 8388608 byte chunk granularity.", as reported in
 * home-assistant/core#140904).
 */
export const UPLOAD_CHUNK_GRANULARITY = 8 * 1024 * 1024;
const GENERATE_PATH = /^\/v1beta\/models\/[^/:]+:(generateContent|streamGenerateContent)$/;
const COUNT_TOKENS_PATH = /^\/v1beta\/models\/[^/:]+:countTokens$/;
const YOUTUBE_URI = /^https:\/\/www\.youtube\.com\/watch\?v=([A-Za-z0-9_-]{11})$/;

type Chunk = Record<string, unknown>;

export class FakeGemini {
  readonly requests: RecordedRequest[] = [];
  readonly uploads = new Map<string, FakeUpload>();
  readonly files = new Map<string, FakeFile>();
  /** By model: its `inputTokenLimit`, fields of its `Model` resource, or null for a model that does not exist (404). */
  readonly models = new Map<string, number | null | Partial<FakeModel>>();
  /** YouTube videos' lengths in seconds, by video id (default `DEFAULT_YOUTUBE_SECONDS`). */
  readonly youTubeVideos = new Map<string, number>();
  private readonly behaviors: GenerateBehavior[] = [];
  private readonly countBehaviors: CountTokensBehavior[] = [];
  private readonly uploadFailures: ErrorBehavior[] = [];
  private readonly fileBehaviors: FileBehavior[] = [];
  private readonly windowFailures = new Map<number, ErrorBehavior[]>();
  /** Explicit `cachedContents` and implicit caching. */
  readonly caches = new FakeCaches((request, model) => this.count(request, model));
  /** The Batch API; its requests are answered as `generateContent` would. */
  readonly batches = new FakeBatches(
    (model, request) => this.generate(model, false, request as GenerateContentRequestBody, new AbortController().signal),
    (model) => this.models.get(model) !== null
  );
  private nextId = 1;
  /** Called at every `FakeGeminiEvent`. */
  onEvent: ((event: FakeGeminiEvent) => void) | undefined;
  /** Awaited once a chunk is taken and before it is answered: a test may hold the answer, as a reply lost to a crash. */
  beforeChunkAnswer: ((upload: FakeUpload) => Promise<void>) | undefined;
  /**
   * Scripts of what is said, by uploaded file name ("files/f1") or YouTube
   * video id: a generate call about a scripted video with nothing queued is
   * answered with the script's lines inside the requested window.
   */
  readonly scripts = new Map<string, VideoScript>();
  /** Output tokens generated a second: each chunk takes its share; unset, answers come at once. */
  tokensPerSecond: number | undefined;

  /** @param newDigest checksum for uploads; the benchmark passes a native one */
  constructor(private readonly newDigest: () => Digest = () => new Crc32()) {}

  /** Queues behaviours for the next generate calls; afterwards the default answer. */
  enqueue(...behaviors: GenerateBehavior[]): void {
    this.behaviors.push(...behaviors);
  }

  /** Queues answers for the next `countTokens` calls: a fixed count or a failure; afterwards the request is counted. */
  enqueueCountTokens(...behaviors: CountTokensBehavior[]): void {
    this.countBehaviors.push(...behaviors);
  }

  /** Makes the next upload chunk requests fail with these errors (bytes not taken). */
  failNextUploadChunks(...errors: ErrorBehavior[]): void {
    this.uploadFailures.push(...errors);
  }

  /** Makes the next requests about a window that starts at `startSeconds` (of any video) fail with these errors, in order. */
  failWindow(startSeconds: number, ...errors: ErrorBehavior[]): void {
    this.windowFailures.set(startSeconds, [...(this.windowFailures.get(startSeconds) ?? []), ...errors]);
  }

  /** Queues how the next finalized files behave; by default they are ACTIVE at once. */
  enqueueFiles(...behaviors: FileBehavior[]): void {
    this.fileBehaviors.push(...behaviors);
  }

  reset(): void {
    this.requests.length = 0;
    this.behaviors.length = 0;
    this.countBehaviors.length = 0;
    this.uploadFailures.length = 0;
    this.fileBehaviors.length = 0;
    this.windowFailures.clear();
    this.uploads.clear();
    this.files.clear();
    this.models.clear();
    this.youTubeVideos.clear();
    this.caches.reset();
    this.batches.reset();
    this.scripts.clear();
    this.tokensPerSecond = undefined;
  }

  generateRequests(): RecordedRequest[] {
    return this.requests.filter((request) => GENERATE_PATH.test(request.path));
  }

  countTokensRequests(): RecordedRequest[] {
    return this.requests.filter((request) => COUNT_TOKENS_PATH.test(request.path));
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const isChunk = url.pathname === UPLOAD_PATH && url.searchParams.has("upload_id");
    const bytes = isChunk ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const text = isChunk ? "" : await request.text();
    let body: unknown;
    try {
      body = bytes ? { bytes: bytes.byteLength } : text ? JSON.parse(text) : undefined;
    } catch {
      return errorResponse({
        kind: "error",
        httpStatus: 400,
        status: "INVALID_ARGUMENT",
        message: `Invalid JSON payload received. Unexpected token.`
      });
    }
    this.requests.push({
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: Object.fromEntries(request.headers),
      body
    });
    if (!request.headers.get("x-goog-api-key")) {
      return errorResponse({
        kind: "error",
        httpStatus: 403,
        status: "PERMISSION_DENIED",
        message:
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."
      });
    }
    if (url.pathname === UPLOAD_PATH) {
      return bytes ? this.uploadCommand(request, url, bytes) : this.startUpload(request, url, body);
    }
    const file = FILE_PATH.exec(url.pathname);
    if (file) return this.fileRequest(request.method, file[1]!);
    const model = MODEL_PATH.exec(url.pathname);
    if (model && request.method === "GET") return this.modelRequest(model[1]!);
    const cost =
      this.caches.handle(request.method, url.pathname, body) ?? (await this.batches.handle(request.method, url.pathname, body));
    if (cost) return cost;
    const method = MODEL_METHOD_PATH.exec(url.pathname);
    if (!method || request.method !== "POST") {
      return errorResponse({
        kind: "error",
        httpStatus: 404,
        status: "NOT_FOUND",
        message: `Fake Gemini has no ${request.method} ${url.pathname}`
      });
    }
    const modelName = method[1]!;
    const verb = method[2]!;
    if (this.models.get(modelName) === null) return errorResponse(geminiErrors.modelNotFound(modelName, verb));
    if (verb === "countTokens") return this.countTokens(modelName, body);
    return this.generate(modelName, verb === "streamGenerateContent", (body ?? {}) as GenerateContentRequestBody, request.signal);
  }

  private startUpload(request: Request, url: URL, body: unknown): Response {
    if (
      request.headers.get("X-Goog-Upload-Protocol") !== "resumable" ||
      request.headers.get("X-Goog-Upload-Command") !== "start"
    ) {
      return errorResponse(geminiErrors.invalidArgument("X-Goog-Upload-Command", "Expected a resumable upload start."));
    }
    const id = `u${this.uploads.size + 1}`;
    const declared = request.headers.get("X-Goog-Upload-Header-Content-Length");
    this.uploads.set(id, {
      id,
      mimeType: request.headers.get("X-Goog-Upload-Header-Content-Type"),
      declaredBytes: declared === null ? null : Number(declared),
      displayName: (body as { file?: { displayName?: string } } | undefined)?.file?.displayName,
      received: 0,
      sent: 0,
      crc: this.newDigest(),
      chunkSizes: []
    });
    return new Response(null, {
      headers: {
        "X-Goog-Upload-URL": `${url.origin}${UPLOAD_PATH}?upload_id=${id}&upload_protocol=resumable`,
        "X-Goog-Upload-Status": "active",
        "X-Goog-Upload-Chunk-Granularity": String(UPLOAD_CHUNK_GRANULARITY)
      }
    });
  }

  private async uploadCommand(request: Request, url: URL, bytes: Uint8Array): Promise<Response> {
    const upload = this.uploads.get(url.searchParams.get("upload_id") ?? "");
    if (!upload)
      return errorResponse({ kind: "error", httpStatus: 404, status: "NOT_FOUND", message: "No such upload session." });
    const command = (request.headers.get("X-Goog-Upload-Command") ?? "").split(",").map((part) => part.trim());
    if (command.includes("query")) {
      return new Response(null, {
        headers: {
          "X-Goog-Upload-Status": upload.file ? "final" : "active",
          "X-Goog-Upload-Size-Received": String(upload.received)
        }
      });
    }
    upload.sent += bytes.byteLength;
    const failure = this.uploadFailures.shift();
    if (failure) return errorResponse(failure);
    if (!command.includes("finalize") && bytes.byteLength % UPLOAD_CHUNK_GRANULARITY !== 0) {
      // Google's upload server answers this in plain text, not as a JSON error.
      return new Response(
        `The client sent ${bytes.byteLength} bytes, which is not a multiple of the ${UPLOAD_CHUNK_GRANULARITY} byte chunk granularity.`,
        { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } }
      );
    }
    const offset = Number(request.headers.get("X-Goog-Upload-Offset"));
    if (offset !== upload.received) {
      return errorResponse(
        geminiErrors.invalidArgument(
          "X-Goog-Upload-Offset",
          `Offset ${offset} does not match the ${upload.received} bytes received.`
        )
      );
    }
    upload.received += bytes.byteLength;
    upload.crc.update(bytes);
    upload.chunkSizes.push(bytes.byteLength);
    await this.beforeChunkAnswer?.(upload);
    if (!command.includes("finalize")) return new Response(null, { headers: { "X-Goog-Upload-Status": "active" } });
    if (upload.declaredBytes !== null && upload.declaredBytes !== upload.received) {
      return errorResponse(
        geminiErrors.invalidArgument(
          "X-Goog-Upload-Offset",
          `Declared ${upload.declaredBytes} bytes but received ${upload.received}.`
        )
      );
    }
    const id = `f${this.nextId++}`;
    const behavior = this.fileBehaviors.shift() ?? { pollsBeforeDone: 0 };
    const now = Date.now();
    const file: FakeFile = {
      name: `files/${id}`,
      displayName: upload.displayName,
      uri: `${url.origin}/v1beta/files/${id}`,
      mimeType: upload.mimeType ?? "application/octet-stream",
      sizeBytes: String(upload.received),
      createTime: new Date(now).toISOString(),
      updateTime: new Date(now).toISOString(),
      expirationTime: new Date(now + (behavior.lifetimeMs ?? FILE_LIFETIME_MS)).toISOString(),
      sha256Hash: await sha256Hash(`${upload.crc.digest()}:${upload.received}`),
      state: behavior.pollsBeforeDone > 0 ? "PROCESSING" : behavior.failWith ? "FAILED" : "ACTIVE",
      pollsLeft: behavior.pollsBeforeDone,
      durationSeconds: behavior.durationSeconds ?? 60,
      ...(behavior.failWith ? { failWith: behavior.failWith } : {}),
      deleted: false
    };
    upload.file = file;
    this.files.set(file.name, file);
    if (behavior.script) this.scripts.set(file.name, behavior.script);
    this.onEvent?.({ kind: "file-finalized", file: file.name });
    return Response.json({ file: fileResource(file) }, { headers: { "X-Goog-Upload-Status": "final" } });
  }

  private model(model: string): FakeModel | undefined {
    const known = this.models.get(model);
    if (known === null) return undefined;
    return modelResource(model, typeof known === "number" ? { inputTokenLimit: known } : known);
  }

  private modelRequest(model: string): Response {
    const resource = this.model(model);
    return resource ? Response.json(resource) : errorResponse(geminiErrors.modelNotFound(model));
  }

  private fileRequest(method: string, name: string): Response {
    const file = this.files.get(name);
    if (!file || file.deleted) return errorResponse(geminiErrors.fileNotFound(name.slice("files/".length)));
    if (method === "DELETE") {
      file.deleted = true;
      return Response.json({});
    }
    if (file.state === "PROCESSING") {
      if (file.pollsLeft > 0) file.pollsLeft -= 1;
      else {
        file.state = file.failWith ? "FAILED" : "ACTIVE";
        file.updateTime = new Date().toISOString();
      }
    }
    this.onEvent?.({ kind: "file-polled", file: file.name, state: file.state });
    return Response.json(fileResource(file));
  }

  /** What a `fileData.fileUri` holds, or why Gemini would refuse it. */
  private lookUp(fileUri: string): VideoLookup {
    const uploaded = FILE_URI.exec(fileUri);
    if (uploaded) {
      const file = this.files.get(uploaded[1]!);
      if (!file || file.deleted)
        return { kind: "refused", error: geminiErrors.fileNotFound(uploaded[1]!.slice("files/".length)) };
      if (file.state !== "ACTIVE") {
        const message = `The File ${file.name.slice("files/".length)} is not in an ACTIVE state and usage is not allowed.`;
        return { kind: "refused", error: { kind: "error", httpStatus: 400, status: "FAILED_PRECONDITION", message } };
      }
      return { kind: "video", durationSeconds: file.durationSeconds };
    }
    const youTube = YOUTUBE_URI.exec(fileUri);
    if (youTube) return { kind: "video", durationSeconds: this.youTubeVideos.get(youTube[1]!) ?? DEFAULT_YOUTUBE_SECONDS };
    return {
      kind: "refused",
      error: geminiErrors.invalidArgument("contents.parts.file_data.file_uri", `Unsupported file uri: ${fileUri}`)
    };
  }

  /** Counts `request` for `model`, or the error response Gemini would give instead. */
  private count(request: GenerateContentRequestBody, model: string, fieldPrefix = ""): PromptCount | Response {
    const counted = countPrompt(request, model, (uri) => this.lookUp(uri), fieldPrefix);
    if ("violation" in counted)
      return errorResponse(geminiErrors.invalidArgument(counted.violation.field, counted.violation.description));
    if ("refused" in counted) return errorResponse(counted.refused);
    return counted;
  }

  private countTokens(model: string, body: unknown): Response {
    const { contents, generateContentRequest } = (body ?? {}) as {
      contents?: unknown;
      generateContentRequest?: GenerateContentRequestBody & { model?: unknown };
    };
    if (contents !== undefined && generateContentRequest !== undefined) {
      return errorResponse(
        geminiErrors.invalidArgument("generate_content_request", "Only one of contents and generate_content_request may be set.")
      );
    }
    if (generateContentRequest !== undefined && !/^models\/[^/]+$/.test(String(generateContentRequest.model ?? ""))) {
      return errorResponse(
        geminiErrors.invalidArgument(
          "generate_content_request.model",
          "generateContentRequest.model: unexpected model name format"
        )
      );
    }
    const request = generateContentRequest ?? ({ contents } as GenerateContentRequestBody);
    if (!Array.isArray(request.contents) || request.contents.length === 0) {
      return errorResponse(geminiErrors.invalidArgument("contents", "contents is not specified"));
    }
    const behavior = this.countBehaviors.shift();
    if (behavior?.kind === "error") return errorResponse(behavior);
    const cache = this.caches.lookUp(model, request);
    if (cache instanceof Response) return cache;
    const own = this.count(request, model, generateContentRequest ? "generate_content_request." : "");
    if (own instanceof Response) return own;
    const counted = cache ? withCache(own, cache) : own;
    if (behavior) return Response.json({ totalTokens: behavior.totalTokens });
    return Response.json({
      totalTokens: counted.totalTokens,
      promptTokensDetails: counted.promptTokensDetails,
      ...(cache
        ? { cachedContentTokenCount: cache.prompt.totalTokens, cacheTokensDetails: cache.prompt.promptTokensDetails }
        : {})
    });
  }

  private generate(model: string, stream: boolean, request: CacheableRequest, signal: AbortSignal): Response | Promise<Response> {
    const cache = this.caches.lookUp(model, request);
    if (cache instanceof Response) return cache;
    const own = this.count(request, model);
    if (own instanceof Response) return own;
    const counted = cache ? withCache(own, cache) : own;
    const queued =
      this.behaviors.shift() ??
      this.windowFailure(request) ??
      this.scriptedBehavior(request) ??
      this.textOnlyBehavior(request) ??
      DEFAULT_BEHAVIOR;
    const behavior = this.withinOutputLimit(queued, model, request);
    if (behavior.kind === "error") return errorResponse(behavior);
    const served = () => this.caches.served(model, request, counted, cache);
    const chunks = this.responseChunks(behavior, model, counted, served);
    const generationMs = generationDelaysMs(behavior.kind === "answer" ? behavior.chunks : [], this.tokensPerSecond);
    if (!stream) return afterGeneration(generationMs, () => Response.json(mergeChunks(chunks)));
    const delayMs = behavior.kind === "answer" ? (behavior.chunkDelayMs ?? 0) : 0;
    return sseResponse(
      chunks,
      (index) => delayMs + (generationMs[index] ?? 0),
      signal,
      (index, textLength) => this.onEvent?.({ kind: "chunk-sent", index, chunks: chunks.length, textLength })
    );
  }

  // Long videos (issue 24): scripted answers and the output limit.

  /** The script's lines in the window asked about, for the first scripted video of the request. */
  private scriptedBehavior(request: GenerateContentRequestBody): GenerateBehavior | undefined {
    for (const part of (request.contents ?? []).flatMap((content) => content.parts ?? [])) {
      const uri = String(part.fileData?.fileUri ?? "");
      const script = this.scripts.get(FILE_URI.exec(uri)?.[1] ?? YOUTUBE_URI.exec(uri)?.[1] ?? "");
      const video = this.lookUp(uri);
      if (!script || video.kind !== "video") continue;
      const window = requestedWindow(part.videoMetadata, video.durationSeconds);
      return { kind: "answer", chunks: scriptedAnswer(script, window, request.generationConfig?.responseJsonSchema) };
    }
    return undefined;
  }

  /** The next failure queued for the window this request asks about (see `failWindow`). */
  private windowFailure(request: GenerateContentRequestBody): ErrorBehavior | undefined {
    for (const part of (request.contents ?? []).flatMap((content) => content.parts ?? [])) {
      const video = part.fileData ? this.lookUp(String(part.fileData.fileUri ?? "")) : undefined;
      if (video?.kind !== "video") continue;
      const window = requestedWindow(part.videoMetadata, video.durationSeconds);
      return this.windowFailures.get(window.startSeconds)?.shift();
    }
    return undefined;
  }

  /** A question with no video while a scripted video is known: answered from its own text (see `textOnlyAnswer`). */
  private textOnlyBehavior(request: GenerateContentRequestBody): GenerateBehavior | undefined {
    const parts = (request.contents ?? []).flatMap((content) => content.parts ?? []);
    if (this.scripts.size === 0 || parts.some((part) => part.fileData)) return undefined;
    const prompt = parts.map((part) => String(part.text ?? "")).join("\n");
    return { kind: "answer", chunks: [textOnlyAnswer(prompt, request.generationConfig?.responseJsonSchema)] };
  }

  /** The answer cut where it passes the request's `maxOutputTokens` or the model's `outputTokenLimit`, ending MAX_TOKENS. */
  private withinOutputLimit(behavior: GenerateBehavior, model: string, request: GenerateContentRequestBody): GenerateBehavior {
    if (behavior.kind !== "answer") return behavior;
    const asked = request.generationConfig?.maxOutputTokens;
    const limit = Math.min(typeof asked === "number" ? asked : Infinity, this.model(model)?.outputTokenLimit ?? Infinity);
    const { chunks, cut } = cutAtOutputLimit(behavior.chunks, limit);
    return cut ? { ...behavior, chunks, finishReason: "MAX_TOKENS" } : behavior;
  }

  /** @param served what of the prompt a cache serves, by modality (asked only of answers, as only they fill a cache) */
  private responseChunks(
    behavior: Exclude<GenerateBehavior, { kind: "error" }>,
    model: string,
    prompt: PromptCount,
    served: () => ModalityTokenCount[]
  ): Chunk[] {
    const envelope = { modelVersion: modelVersionOf(model), responseId: opaqueToken(16, true) };
    const promptUsage = {
      promptTokenCount: prompt.totalTokens,
      totalTokenCount: prompt.totalTokens,
      promptTokensDetails: prompt.promptTokensDetails
    };
    if (behavior.kind === "blocked") {
      return [
        {
          promptFeedback: { blockReason: behavior.blockReason, safetyRatings: safetyRatings("HARM_CATEGORY_DANGEROUS_CONTENT") },
          usageMetadata: promptUsage,
          ...envelope
        }
      ];
    }
    if (behavior.kind === "stopped") {
      const flagged = behavior.finishReason === "SAFETY" ? "HARM_CATEGORY_DANGEROUS_CONTENT" : undefined;
      const candidate = {
        content: { role: "model" },
        finishReason: behavior.finishReason,
        index: 0,
        safetyRatings: safetyRatings(flagged),
        ...(behavior.finishReason === "RECITATION"
          ? {
              citationMetadata: {
                citationSources: [{ startIndex: 0, endIndex: 120, uri: "https://example.com/lyrics", license: "" }]
              }
            }
          : {})
      };
      return [{ candidates: [candidate], usageMetadata: promptUsage, ...envelope }];
    }
    const thoughts = behavior.thoughtsTokens ?? DEFAULT_THOUGHTS_TOKENS;
    const signed = familyOf(model) === "gemini-3";
    const outputTokens = textTokens(behavior.chunks.join(""));
    const cached = served();
    const cachedTotal = cached.reduce((sum, detail) => sum + detail.tokenCount, 0);
    const thinking = thoughts > 0 ? { thoughtsTokenCount: thoughts } : {};
    return behavior.chunks.map((text, index) => {
      const last = index === behavior.chunks.length - 1;
      const parts: Chunk[] = [{ text, ...(signed && index === 0 ? { thoughtSignature: opaqueToken(48) } : {}) }];
      if (signed && last) parts.push({ text: "", thoughtSignature: opaqueToken(48) });
      const candidate = {
        content: { parts, role: "model" },
        index: 0,
        ...(last
          ? {
              finishReason: behavior.finishReason ?? "STOP",
              safetyRatings: safetyRatings(),
              ...(behavior.citations ? { citationMetadata: { citationSources: behavior.citations } } : {})
            }
          : {})
      };
      const usageMetadata = last
        ? {
            ...promptUsage,
            candidatesTokenCount: outputTokens,
            totalTokenCount: prompt.totalTokens + outputTokens + thoughts,
            candidatesTokensDetails: [{ modality: "TEXT", tokenCount: outputTokens }],
            ...thinking,
            ...(cachedTotal > 0
              ? {
                  cachedContentTokenCount: cachedTotal,
                  cacheTokensDetails: cached
                }
              : {}),
            trafficType: "ON_DEMAND",
            ...behavior.usage
          }
        : { ...promptUsage, totalTokenCount: prompt.totalTokens + thoughts, ...thinking };
      return { candidates: [candidate], usageMetadata, ...envelope };
    });
  }
}

/** Gemini's `sha256Hash`: base64 of the hex digest. The fake keeps no bytes, so it hashes what it knows of them. */
async function sha256Hash(of: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(of)));
  return btoa(Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join(""));
}

/** The unstreamed answer: one candidate with the whole text, the last chunk's metadata, and `avgLogprobs`. */
function mergeChunks(chunks: Chunk[]): Chunk {
  const last = chunks[chunks.length - 1] ?? {};
  const candidate = (last.candidates as Chunk[] | undefined)?.[0];
  if (!candidate) return last;
  const signature = chunks.flatMap(chunkParts).find((part) => typeof part.thoughtSignature === "string")?.thoughtSignature;
  const text = chunks.map(chunkText).join("");
  return {
    ...last,
    candidates: [
      {
        ...candidate,
        content: { parts: [{ text, ...(signature ? { thoughtSignature: signature } : {}) }], role: "model" },
        avgLogprobs: -0.4213
      }
    ]
  };
}

function chunkParts(chunk: Chunk): { text?: string; thought?: boolean; thoughtSignature?: string }[] {
  return (chunk.candidates as { content?: { parts?: [] } }[] | undefined)?.[0]?.content?.parts ?? [];
}

/** The answer's text in a chunk, as `GenerateContentResponse.text` reads it (thought summaries left out). */
function chunkText(chunk: Chunk): string {
  return chunkParts(chunk)
    .filter((part) => !part.thought)
    .map((part) => part.text ?? "")
    .join("");
}

/** The unstreamed answer, once every chunk's generation time has passed. */
async function afterGeneration(delaysMs: number[], respond: () => Response): Promise<Response> {
  const totalMs = delaysMs.reduce((sum, ms) => sum + ms, 0);
  if (totalMs > 0) await new Promise((resolve) => setTimeout(resolve, totalMs));
  return respond();
}

function sseResponse(
  chunks: Chunk[],
  delayMs: (index: number) => number,
  signal: AbortSignal,
  onSent: (index: number, textLength: number) => void
): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let textLength = 0;
      for (const [index, chunk] of chunks.entries()) {
        if (delayMs(index) > 0) await new Promise((resolve) => setTimeout(resolve, delayMs(index)));
        if (signal.aborted) break;
        controller.enqueue(encoder.encode(sseFrame(chunk)));
        textLength += chunkText(chunk).length;
        onSent(index, textLength);
      }
      controller.close();
    }
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}
