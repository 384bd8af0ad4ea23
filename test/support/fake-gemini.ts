/**
 * A stand-in for the Gemini API that speaks its real wire format: the paths
 * `@google/genai` calls (`/v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`), its JSON bodies, its SSE chunks and its
 * `{ error: { code, message, status, details } }` failures. It is a plain
 * `(Request) => Response` handler, so a fetch spy inside workerd or a Node
 * HTTP server can host it alike. It records every request it receives.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  body: unknown;
}

/** What the next generate call does. */
export type GenerateBehavior =
  | { kind: "answer"; chunks: string[]; finishReason?: string; chunkDelayMs?: number }
  | { kind: "blocked"; blockReason: string }
  | { kind: "error"; httpStatus: number; status: string; message: string; details?: unknown[] };

const DEFAULT_BEHAVIOR: GenerateBehavior = {
  kind: "answer",
  chunks: ["The video shows ", "a cat at 00:05 ", "and a dog at 01:10."]
};

const GENERATE_PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

export class FakeGemini {
  readonly requests: RecordedRequest[] = [];
  private readonly behaviors: GenerateBehavior[] = [];

  /** Queues behaviours for the next generate calls; afterwards the default answer. */
  enqueue(...behaviors: GenerateBehavior[]): void {
    this.behaviors.push(...behaviors);
  }

  reset(): void {
    this.requests.length = 0;
    this.behaviors.length = 0;
  }

  generateRequests(): RecordedRequest[] {
    return this.requests.filter((request) => GENERATE_PATH.test(request.path));
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const text = await request.text();
    this.requests.push({
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: Object.fromEntries(request.headers),
      body: text ? JSON.parse(text) : undefined
    });
    if (!request.headers.get("x-goog-api-key")) {
      return errorResponse(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers.");
    }
    const match = GENERATE_PATH.exec(url.pathname);
    if (!match || request.method !== "POST") {
      return errorResponse(404, "NOT_FOUND", `Fake Gemini has no ${request.method} ${url.pathname}`);
    }
    const model = match[1]!;
    const behavior = this.behaviors.shift() ?? DEFAULT_BEHAVIOR;
    if (behavior.kind === "error") {
      return errorResponse(behavior.httpStatus, behavior.status, behavior.message, behavior.details);
    }
    const chunks = responseChunks(behavior, model);
    if (match[2] === "generateContent") return Response.json(mergeChunks(chunks));
    const delayMs = behavior.kind === "answer" ? (behavior.chunkDelayMs ?? 0) : 0;
    return sseResponse(chunks, delayMs, request.signal);
  }
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
  const text = chunks
    .map((chunk) => (chunk.candidates as { content: { parts: { text: string }[] } }[] | undefined)?.[0]?.content.parts[0]?.text ?? "")
    .join("");
  const last = chunks[chunks.length - 1] ?? {};
  return {
    ...last,
    ...(last.candidates
      ? { candidates: [{ ...(last.candidates as Chunk[])[0], content: { parts: [{ text }], role: "model" } }] }
      : {})
  };
}

function sseResponse(chunks: Chunk[], delayMs: number, signal: AbortSignal): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const chunk of chunks) {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (signal.aborted) break;
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\r\n\r\n`));
      }
      controller.close();
    }
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}
