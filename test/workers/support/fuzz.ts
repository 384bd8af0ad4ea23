/**
 * Property-based fuzzing of the wire (`fast-check`): generators for hostile
 * bodies and headers, and the checks every answer must pass.
 *
 * Runs use a fresh random seed each time; a failure prints the seed and the
 * path of the shrunk counterexample. To replay one, put them in `FUZZ_REPLAY`
 * below (e.g. `{ seed: 1234, path: "5:2" }`).
 */
import fc from "fast-check";
import { expect } from "vitest";
import { FAKE_VIDEO_ORIGIN, TEST_SHARED_SECRET } from "../../constants";

/** Runs per property: enough to reach the odd shapes, few enough for a 2-core machine. */
export const FUZZ_RUNS = 100;

/**
 * A property stops early (and says so) after this long, so a slow machine
 * bounds the suite's time rather than failing it; the test timeouts allow
 * for shrinking a counterexample on top.
 */
export const FUZZ_TIME_LIMIT_MS = 8_000;

/** Test timeout for one fuzzed property: the time limit plus room to shrink. */
export const FUZZ_TEST_TIMEOUT_MS = 90_000;

/** Set to replay a failure that fast-check reported. */
const FUZZ_REPLAY: { seed: number; path?: string } | undefined = undefined;

export interface FuzzOptions<Ts> {
  /** Cases tried first, every time. */
  examples?: Ts[];
  /**
   * For properties whose runs are whole scenarios (seconds, not
   * milliseconds): no time limit, which would pass a run that hangs, so each
   * run must bound its own waits; and no shrinking, which would replay slow
   * runs: the first failing case is reported as it is.
   */
  wholeScenarios?: boolean;
}

/**
 * Runs `property` FUZZ_RUNS times (or `numRuns`) within FUZZ_TIME_LIMIT_MS
 * (see `FuzzOptions`); throws fast-check's report (seed, path, shrunk
 * counterexample, cause) on a failure.
 */
export async function fuzz<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncProperty<Ts>,
  numRuns = FUZZ_RUNS,
  { examples = [], wholeScenarios = false }: FuzzOptions<Ts> = {}
): Promise<void> {
  const details = await fc.check(property, {
    numRuns,
    examples,
    ...(FUZZ_REPLAY ?? {}),
    ...(wholeScenarios ? { endOnFailure: true } : { interruptAfterTimeLimit: FUZZ_TIME_LIMIT_MS, markInterruptAsFailure: false })
  });
  if (details.failed) {
    throw new Error(fc.defaultReportMessage(details), { cause: details.errorInstance });
  }
  if (details.interrupted) {
    console.warn(`fuzz: time limit reached after ${details.numRuns} of ${numRuns} runs (seed ${details.seed})`);
  }
}

// ---------------------------------------------------------------- answers

/** JSON-RPC 2.0's own codes, and the ones MCP and this server use. */
const ERROR_CODES = new Set([
  -32700, // parse error
  -32600, // invalid request
  -32601, // method not found
  -32602, // invalid params
  -32800 // request cancelled (LSP's code; a cancelled /rpc call)
]);

/**
 * -32603 (internal error) is left out on purpose: the SDK answers with it
 * when a handler throws something unexpected, which is a bug here. Codes in
 * -32000..-32099 are JSON-RPC's "implementation-defined server errors"
 * (the SDK's -32000 for transport refusals, -32001 session not found).
 */
function isAcceptedErrorCode(code: unknown): boolean {
  return (
    Number.isInteger(code) && (ERROR_CODES.has(code as number) || ((code as number) <= -32000 && (code as number) >= -32099))
  );
}

export type JsonRpcId = string | number | null;

/** The ids a reply may echo for one generated message: its id when JSON-RPC allows it. */
export function echoableId(message: unknown): JsonRpcId {
  if (typeof message !== "object" || message === null || Array.isArray(message) || !("id" in message)) return null;
  const { id } = message as { id: unknown };
  return typeof id === "string" || (typeof id === "number" && Number.isInteger(id)) ? id : null;
}

/**
 * Checks one JSON-RPC reply: `jsonrpc: "2.0"`, an id that is null or one of
 * `ids`, and exactly one of a result or a well-formed error.
 */
export function expectJsonRpcReply(reply: unknown, ids: readonly JsonRpcId[]): void {
  expect(reply, JSON.stringify(reply)).toBeTypeOf("object");
  const message = reply as Record<string, unknown>;
  expect(message.jsonrpc).toBe("2.0");
  expect([null, ...ids]).toContainEqual(message.id);
  expect("result" in message !== "error" in message, `one of result or error: ${JSON.stringify(reply)}`).toBe(true);
  if ("error" in message) expectJsonRpcError(message.error);
}

/** A JSON-RPC error object: an accepted integer code and a message. */
export function expectJsonRpcError(error: unknown): void {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  expect(isAcceptedErrorCode(code), `error code ${JSON.stringify(error)}`).toBe(true);
  expect(message).toBeTypeOf("string");
}

/** A server notification or request on a stream (progress, for instance). */
export function expectJsonRpcServerMessage(message: Record<string, unknown>, ids: readonly JsonRpcId[]): void {
  if ("method" in message) {
    expect(message.jsonrpc).toBe("2.0");
    expect(message.method).toBeTypeOf("string");
  } else {
    expectJsonRpcReply(message, ids);
  }
}

/**
 * An HTTP-level refusal on a JSON-RPC route (`/rpc`, `/messages`, `/mcp`):
 * a 4xx (never 5xx) whose body is a JSON-RPC error with id null or one of
 * `ids` (the request's own), whether this server wrote it or the SDK did.
 */
export function expectRefusalOnJsonRpcRoute(status: number, text: string, ids: readonly JsonRpcId[] = []): void {
  expect(status, text).toBeGreaterThanOrEqual(400);
  expect(status, text).toBeLessThan(500);
  const body = JSON.parse(text) as { id?: unknown };
  // Null, or the request's own id where the refusal can name it (as the SDK v2 transport does).
  expectJsonRpcReply(body, ids);
  expect(text).not.toContain(TEST_SHARED_SECRET);
}

/** An HTTP-level refusal on a route that is not JSON-RPC (`GET /sse`): a 4xx with `{ error: { code, message } }`. */
export function expectRefusalOnOtherRoute(status: number, text: string): void {
  expect(status, text).toBeGreaterThanOrEqual(400);
  expect(status, text).toBeLessThan(500);
  const body = JSON.parse(text) as { jsonrpc?: unknown; error?: { code?: unknown; message?: unknown } };
  expect(body.jsonrpc, text).toBeUndefined();
  expect(body.error?.code, text).toBeTypeOf("string");
  expect(body.error?.message, text).toBeTypeOf("string");
  expect(text).not.toContain(TEST_SHARED_SECRET);
}

/**
 * Collects unhandled promise rejections while fuzzing. The Durable Objects
 * run in the tests' isolate, so a promise the object drops lands here too.
 */
export function watchUnhandledRejections(): { check(): void; stop(): void } {
  const seen: unknown[] = [];
  const listener = (event: PromiseRejectionEvent) => {
    seen.push(event.reason);
  };
  globalThis.addEventListener("unhandledrejection", listener);
  return {
    check() {
      expect(seen.map(String), "unhandled rejections").toEqual([]);
    },
    stop() {
      globalThis.removeEventListener("unhandledrejection", listener);
    }
  };
}

// ---------------------------------------------------------------- bodies

/** Methods the server knows, others MCP defines, and near misses. */
export const METHODS = [
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "notifications/initialized",
  "notifications/cancelled",
  "notifications/progress",
  "notifications/roots/list_changed",
  "resources/list",
  "resources/read",
  "prompts/list",
  "prompts/get",
  "logging/setLevel",
  "completion/complete",
  "tasks/get",
  "tasks/list",
  "tasks/result",
  "tasks/cancel",
  "sampling/createMessage",
  "Tools/List",
  "tools/list ",
  "rpc.discover"
] as const;

export const TOOL_NAMES = [
  "analyzeRemoteVideo",
  "startVideoAnalysis",
  "getVideoAnalysis",
  "cancelVideoAnalysis",
  "listVideoAnalyses"
] as const;

/** Numbers JSON carries badly or that tempt overflow. */
const awkwardNumbers = fc.constantFrom(
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER
);

/** Any JSON value, nesting kept shallow. */
const json = fc.jsonValue({ maxDepth: 3 });

/** Ids of every type, valid ones often. */
export const anyId = fc.oneof(
  { weight: 4, arbitrary: fc.integer() },
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: awkwardNumbers },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.integer(), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), json, { maxKeys: 3 }) }
);

const anyMethod = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...METHODS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.object({ maxDepth: 1 })
    )
  }
);

/** Strings a video URL field may get: good, refused, unreachable, or nonsense. */
export const videoUrlValue = fc.oneof(
  fc.constantFrom(
    "https://youtu.be/dQw4w9WgXcQ",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://m.youtube.com/shorts/dQw4w9WgXcQ",
    "https://www.youtube.com/playlist?list=PL123",
    "http://127.0.0.1/video.mp4",
    "http://[::1]/v.mp4",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/",
    "http://user:pass@example.com/v.mp4",
    "ftp://example.com/v.mp4",
    "javascript:alert(1)",
    "data:video/mp4;base64,AAAA",
    "",
    "   ",
    "https://",
    "http://0x7f000001/",
    "http://2130706433/"
  ),
  // Missing on the fake video host: the job fails at once with a 404.
  fc.string({ maxLength: 30 }).map((path) => `${FAKE_VIDEO_ORIGIN}/${encodeURIComponent(path)}.mp4`),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 })
);

const promptValue = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ unit: "binary", maxLength: 50 }),
  fc.constantFrom("", " ", "\n\t", "x".repeat(20_000), "x".repeat(20_001), `${" ".repeat(20_001)}x`)
);

const waitSecondsValue = fc.oneof(
  fc.integer({ min: -5, max: 2 }),
  awkwardNumbers,
  fc.constantFrom(300, 301, Number.MAX_VALUE),
  fc.double({ noNaN: true, max: 1, min: -1 })
);

const hex = (length: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });

/** Job ids: nonsense, and ids shaped like real ones (some naming other sessions). */
export const jobIdValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.tuple(hex(32), hex(16)).map(([session, job]) => `${session}.${job}`),
  hex(32),
  fc.constantFrom("", ".", "..", "00000000000000000000000000000000.", "00000000000000000000000000000000.x")
);

/** A field value: usually the right kind for its field, sometimes any JSON at all. */
function field<T>(right: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: json });
}

const argumentsByTool: Record<(typeof TOOL_NAMES)[number], fc.Arbitrary<Record<string, unknown>>> = {
  analyzeRemoteVideo: fc.record({ videoUrl: field(videoUrlValue), prompt: field(promptValue) }, { requiredKeys: [] }),
  startVideoAnalysis: fc.record({ videoUrl: field(videoUrlValue), prompt: field(promptValue) }, { requiredKeys: [] }),
  getVideoAnalysis: fc.record({ jobId: field(jobIdValue), waitSeconds: field(waitSecondsValue) }, { requiredKeys: [] }),
  cancelVideoAnalysis: fc.record({ jobId: field(jobIdValue) }, { requiredKeys: [] }),
  listVideoAnalyses: fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 2 })
};

/** `_meta` as clients send it, and as they should not. */
const metaValue = fc.oneof(
  fc.record({ progressToken: field(fc.oneof(fc.string({ maxLength: 8 }), fc.integer())) }, { requiredKeys: [] }),
  json
);

/** `tools/call` params for one of our tools (or a wrong name), with fuzzed arguments. */
export const toolCallParams = fc.oneof(
  ...TOOL_NAMES.map((name) =>
    fc.record(
      { name: fc.constant<unknown>(name), arguments: field(argumentsByTool[name]), _meta: metaValue },
      { requiredKeys: ["name"] }
    )
  ),
  fc.record({ name: field(fc.string({ maxLength: 20 })), arguments: json }, { requiredKeys: [] })
);

const initializeParams = fc.record(
  {
    protocolVersion: field(fc.constantFrom("2025-03-26", "2025-06-18", "2025-11-25", "2024-11-05", "1999-01-01", "")),
    capabilities: json,
    clientInfo: field(
      fc.record({ name: field(fc.string({ maxLength: 8 })), version: field(fc.string({ maxLength: 8 })) }, { requiredKeys: [] })
    )
  },
  { requiredKeys: [] }
);

const cancelledParams = fc.record({ requestId: anyId, reason: field(fc.string({ maxLength: 10 })) }, { requiredKeys: [] });

const anyParams = fc.oneof(
  { weight: 3, arbitrary: toolCallParams },
  { weight: 1, arbitrary: initializeParams },
  { weight: 1, arbitrary: cancelledParams },
  { weight: 2, arbitrary: json }
);

/**
 * Objects shaped like JSON-RPC messages with any member missing, mistyped or
 * extra: requests, notifications, responses and hybrids.
 */
export const jsonRpcLike: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    jsonrpc: fc.oneof(
      { weight: 8, arbitrary: fc.constant<unknown>("2.0") },
      { weight: 1, arbitrary: fc.constantFrom("1.0", "2", "", 2) },
      { weight: 1, arbitrary: json }
    ),
    id: anyId,
    method: anyMethod,
    params: anyParams,
    result: json,
    error: fc.oneof(fc.record({ code: field(fc.integer()), message: field(fc.string()) }, { requiredKeys: [] }), json),
    extra: json
  },
  { requiredKeys: [] }
);

/** Well-typed requests and notifications to known methods, with fuzzed params. */
export const plausibleRequest: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ jsonrpc: fc.constant("2.0"), id: anyId, method: fc.constant("tools/call"), params: toolCallParams }),
  fc.record(
    { jsonrpc: fc.constant("2.0"), id: anyId, method: fc.constantFrom(...METHODS), params: anyParams },
    { requiredKeys: ["jsonrpc", "id", "method"] }
  ),
  fc.record({ jsonrpc: fc.constant("2.0"), method: fc.constant("notifications/cancelled"), params: cancelledParams })
);

/** A batch: empty, of messages, or with arrays nested inside. */
export const batch = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.oneof(jsonRpcLike, plausibleRequest) },
    { weight: 1, arbitrary: fc.array(jsonRpcLike, { maxLength: 2 }) },
    { weight: 1, arbitrary: json }
  ),
  { maxLength: 6 }
);

/** Any JSON body a client might send, valid JSON-RPC or not. */
export const jsonBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: json },
  { weight: 4, arbitrary: jsonRpcLike },
  { weight: 4, arbitrary: plausibleRequest },
  { weight: 2, arbitrary: batch }
);

/** Raw bodies: bytes, text, truncated or padded JSON. */
export const rawBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ maxLength: 200 }),
  fc.tuple(jsonBody, fc.nat()).map(([value, cut]) => {
    const text = JSON.stringify(value) ?? "";
    return text.slice(0, cut % (text.length + 1));
  }),
  fc
    .tuple(jsonBody, fc.constantFrom(" ", "\n", "\u0000", "\ufeff", "}", "]", ",", "x"))
    .map(([value, pad]) => `${pad}${JSON.stringify(value)}${pad}`),
  fc.constantFrom(
    "",
    "null",
    "[]",
    "[[]]",
    "{}",
    '"2.0"',
    "[".repeat(5000) + "]".repeat(5000),
    `${'{"a":'.repeat(3000)}1${"}".repeat(3000)}`
  )
);

/** The ids a body may get echoed: those of its messages (top level and, for a batch, each element). */
export function echoableIds(body: unknown): JsonRpcId[] {
  return Array.isArray(body) ? body.map(echoableId) : [echoableId(body)];
}

/** The ids of a body's messages as sent (any string or number), which an HTTP-level refusal may echo. */
export function sentIds(body: unknown): JsonRpcId[] {
  const items: unknown[] = Array.isArray(body) ? body : [body];
  return items.flatMap((item) => {
    const id = typeof item === "object" && item !== null && "id" in item ? (item as { id: unknown }).id : undefined;
    return typeof id === "string" || typeof id === "number" ? [id] : [];
  });
}

/** `body` as the server sees it: through JSON, so NaN becomes null, -0 becomes 0 and undefined members vanish. */
export function asSent(body: unknown): { text: string; value: unknown } {
  const text = JSON.stringify(body) ?? "null";
  return { text, value: JSON.parse(text) };
}

// ---------------------------------------------------------------- headers

/**
 * Header values as clients can send them: printable ASCII (workerd takes
 * Latin-1 too but warns, and browsers refuse it), trimmed as fetch trims.
 */
const headerText = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 80 })
  .map((value) => value.trim());

/** Either absent (undefined) or one of `values`, or any header text. */
function headerValue(...values: string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(fc.constant(undefined), fc.constantFrom(...values), headerText);
}

export const contentTypeHeader = headerValue(
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/jsonx",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=latin1"
);

export const acceptHeader = headerValue(
  "application/json, text/event-stream",
  "text/event-stream, application/json",
  "application/json",
  "text/event-stream",
  "*/*",
  "text/html"
);

export const protocolVersionHeader = headerValue("2025-03-26", "2025-06-18", "2025-11-25", "2024-11-05", "1999-01-01", "latest");

/** Authorization values that must all be refused. */
export const badAuthorization = fc.oneof(
  fc.constantFrom(
    "",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    `Basic ${TEST_SHARED_SECRET}`,
    `Bearer ${TEST_SHARED_SECRET}x`,
    `Bearer ${TEST_SHARED_SECRET.slice(1)}`,
    `Bearer ${TEST_SHARED_SECRET.toUpperCase()}`,
    `Bearer ${TEST_SHARED_SECRET} ${TEST_SHARED_SECRET}`,
    `Bearer${TEST_SHARED_SECRET}`,
    `Token ${TEST_SHARED_SECRET}`,
    `Bearer "${TEST_SHARED_SECRET}"`
  ),
  headerText.filter((value) => !value.includes(TEST_SHARED_SECRET))
);

/** Authorization values that are accepted (the scheme is case-insensitive; spaces around are trimmed). */
export const goodAuthorization = fc.constantFrom(
  `Bearer ${TEST_SHARED_SECRET}`,
  `bearer ${TEST_SHARED_SECRET}`,
  `BEARER\t${TEST_SHARED_SECRET}`,
  `Bearer    ${TEST_SHARED_SECRET}`
);

/** Session ids: malformed, well-formed but unknown, and (by `known`) real ones. */
export function sessionIdHeader(...known: string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    ...(known.length > 0 ? [fc.constantFrom(...known)] : []),
    hex(32),
    headerText,
    fc.constantFrom("0".repeat(32), "0".repeat(31), "G".repeat(32), "0".repeat(33), "../../etc/passwd")
  );
}

/** Last-Event-ID values: malformed, shaped like ours (SSE `<id>-<n>`, `/mcp` `<id>-m<n>`), or absent. */
export function lastEventIdHeader(...sessions: string[]): fc.Arbitrary<string | undefined> {
  const session = sessions.length > 0 ? fc.oneof(fc.constantFrom(...sessions), hex(32)) : hex(32);
  return fc.oneof(
    fc.constant(undefined),
    headerText,
    fc.tuple(session, fc.oneof(fc.nat(), awkwardNumbers)).map(([id, seq]) => `${id}-${seq}`),
    fc.tuple(session, fc.oneof(fc.nat(), awkwardNumbers)).map(([id, seq]) => `${id}-m${seq}`),
    fc.tuple(session, headerText).map(([id, tail]) => `${id}-m${tail}`.trim())
  );
}

/** Builds a Headers object, leaving out the undefined ones. */
export function headersOf(values: Record<string, string | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(values)) if (value !== undefined) headers.set(name, value);
  return headers;
}

// ---------------------------------------------------------------- reading

/** Reads a response whatever it is; an SSE body is read to its end or, for a standing stream, cancelled. */
export async function readAnswer(response: Response, { standing = false } = {}): Promise<string> {
  if (standing && response.headers.get("Content-Type")?.startsWith("text/event-stream")) {
    await response.body?.cancel();
    return "";
  }
  return response.text();
}

/** The JSON-RPC messages in an SSE body (`data:` lines of its events; blank priming events skipped). */
export function sseMessages(text: string): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [];
  for (const frame of text.split(/\n\n/)) {
    const data = frame
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data.trim() !== "") messages.push(JSON.parse(data) as Record<string, unknown>);
  }
  return messages;
}

/** The JSON-RPC messages of a 200 reply to a POST: its JSON body (one message or a batch), or its SSE events. */
export function replyMessages(response: Response, text: string): Record<string, unknown>[] {
  if (response.headers.get("Content-Type")?.startsWith("application/json")) {
    const value = JSON.parse(text) as Record<string, unknown> | Record<string, unknown>[];
    return Array.isArray(value) ? value : [value];
  }
  expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
  return sseMessages(text);
}

export { fc };
