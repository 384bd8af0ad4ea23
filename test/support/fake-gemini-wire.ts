/**
 * The fake Gemini's JSON as the REST reference (v1beta) documents it: error
 * bodies (`google.rpc.Status` with typed `details`), the `File` and `Model`
 * resources, safety ratings, and the SSE framing of streamed answers.
 */

/** An HTTP failure as Gemini sends it: `{ error: { code, message, status, details } }`. */
export type ErrorBehavior = { kind: "error"; httpStatus: number; status: string; message: string; details?: unknown[] };

const TYPE = "type.googleapis.com/google.rpc.";
const SERVICE = "generativelanguage.googleapis.com";

/** Failures the way Google sends them, `details` included, to queue with `enqueue`, `enqueueCountTokens`... */
export const geminiErrors = {
  /** 429 with the quota that ran out, a link to the limits and how long to wait. */
  quotaExceeded(retryDelay = "27s", model = "gemini-2.5-flash"): ErrorBehavior {
    return {
      kind: "error",
      httpStatus: 429,
      status: "RESOURCE_EXHAUSTED",
      message:
        "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
      details: [
        {
          "@type": `${TYPE}QuotaFailure`,
          violations: [
            {
              quotaMetric: `${SERVICE}/generate_content_free_tier_input_token_count`,
              quotaId: "GenerateContentInputTokensPerModelPerMinute-FreeTier",
              quotaDimensions: { location: "global", model },
              quotaValue: "250000"
            }
          ]
        },
        {
          "@type": `${TYPE}Help`,
          links: [{ description: "Learn more about Gemini API quotas", url: "https://ai.google.dev/gemini-api/docs/rate-limits" }]
        },
        { "@type": `${TYPE}RetryInfo`, retryDelay }
      ]
    };
  },
  overloaded(): ErrorBehavior {
    return { kind: "error", httpStatus: 503, status: "UNAVAILABLE", message: "The model is overloaded. Please try again later." };
  },
  internal(): ErrorBehavior {
    return {
      kind: "error",
      httpStatus: 500,
      status: "INTERNAL",
      message:
        "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
    };
  },
  invalidApiKey(): ErrorBehavior {
    const message = "API key not valid. Please pass a valid API key.";
    return {
      kind: "error",
      httpStatus: 400,
      status: "INVALID_ARGUMENT",
      message,
      details: [
        { "@type": `${TYPE}ErrorInfo`, reason: "API_KEY_INVALID", domain: "googleapis.com", metadata: { service: SERVICE } },
        { "@type": `${TYPE}LocalizedMessage`, locale: "en-US", message }
      ]
    };
  },
  /** 400 naming the request field at fault (`google.rpc.BadRequest`). */
  invalidArgument(field: string, description: string): ErrorBehavior {
    return {
      kind: "error",
      httpStatus: 400,
      status: "INVALID_ARGUMENT",
      message: description,
      details: [{ "@type": `${TYPE}BadRequest`, fieldViolations: [{ field, description }] }]
    };
  },
  modelNotFound(model: string, method = "generateContent"): ErrorBehavior {
    return {
      kind: "error",
      httpStatus: 404,
      status: "NOT_FOUND",
      message: `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`
    };
  },
  /** What Gemini says of a file that is gone (deleted, expired) or never was. */
  fileNotFound(id: string): ErrorBehavior {
    return {
      kind: "error",
      httpStatus: 403,
      status: "PERMISSION_DENIED",
      message: `You do not have permission to access the File ${id} or it may not exist.`
    };
  }
};

export function errorResponse({ httpStatus, status, message, details }: ErrorBehavior): Response {
  return Response.json({ error: { code: httpStatus, message, status, ...(details ? { details } : {}) } }, { status: httpStatus });
}

/** The four categories Gemini rates, all NEGLIGIBLE but `flagged` (HIGH, blocked). */
export function safetyRatings(flagged?: string): Record<string, unknown>[] {
  return [
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_DANGEROUS_CONTENT"
  ].map((category) =>
    category === flagged ? { category, probability: "HIGH", blocked: true } : { category, probability: "NEGLIGIBLE" }
  );
}

/** Random bytes in base64, like Gemini's opaque tokens (`thoughtSignature`, `responseId`). */
export function opaqueToken(bytes: number, urlSafe = false): string {
  const text = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))));
  return urlSafe ? text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") : text;
}

export interface FakeFile {
  name: string;
  displayName: string | undefined;
  uri: string;
  mimeType: string;
  sizeBytes: string;
  createTime: string;
  updateTime: string;
  expirationTime: string;
  /** Gemini's form: base64 of the hex digest. */
  sha256Hash: string;
  state: "PROCESSING" | "ACTIVE" | "FAILED";
  /** Polls answered PROCESSING before the state changes. */
  pollsLeft: number;
  durationSeconds: number;
  failWith?: string;
  deleted: boolean;
}

/** `google.rpc.Code` INVALID_ARGUMENT: what a file Gemini cannot process carries in `error.code`. */
const RPC_INVALID_ARGUMENT = 3;

/** The `File` resource (`files.get`, upload finalize). `downloadUri` is only for generated files, so never here. */
export function fileResource(file: FakeFile): Record<string, unknown> {
  return {
    name: file.name,
    ...(file.displayName !== undefined ? { displayName: file.displayName } : {}),
    mimeType: file.mimeType,
    sizeBytes: file.sizeBytes,
    createTime: file.createTime,
    updateTime: file.updateTime,
    expirationTime: file.expirationTime,
    sha256Hash: file.sha256Hash,
    uri: file.uri,
    state: file.state,
    source: "UPLOADED",
    ...(file.state === "ACTIVE" ? { videoMetadata: { videoDuration: `${file.durationSeconds}s` } } : {}),
    ...(file.state === "FAILED" ? { error: { code: RPC_INVALID_ARGUMENT, message: file.failWith } } : {})
  };
}

/** A `Model` resource; the fake's `models` map overrides any field. */
export interface FakeModel {
  name: string;
  baseModelId: string;
  version: string;
  displayName: string;
  description: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  supportedGenerationMethods: string[];
  temperature: number;
  maxTemperature: number;
  topP: number;
  topK: number;
  thinking: boolean;
}

/** `inputTokenLimit` of every model the fake knows nothing else about. */
export const DEFAULT_INPUT_TOKEN_LIMIT = 1_048_576;

/** What the `-latest` aliases resolve to (their answers' `modelVersion`). */
const ALIASES: Record<string, string> = {
  "gemini-flash-latest": "gemini-3-flash-preview",
  "gemini-flash-lite-latest": "gemini-3.1-flash-lite",
  "gemini-pro-latest": "gemini-3.1-pro-preview"
};

export function modelVersionOf(model: string): string {
  return ALIASES[model] ?? model;
}

export function modelResource(model: string, override: Partial<FakeModel> = {}): FakeModel {
  const displayName = model
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
  return {
    name: `models/${model}`,
    baseModelId: model,
    version: ALIASES[model] ? displayName : "001",
    displayName,
    description: ALIASES[model]
      ? `Latest release of ${displayName.replace(/ Latest$/, "")}`
      : `${displayName}, a multimodal model.`,
    inputTokenLimit: DEFAULT_INPUT_TOKEN_LIMIT,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"],
    temperature: 1,
    maxTemperature: 2,
    topP: 0.95,
    topK: 64,
    thinking: true,
    ...override
  };
}

/** One answer chunk as `streamGenerateContent?alt=sse` frames it. */
export function sseFrame(chunk: unknown): string {
  return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
}
