/**
 * The fake Gemini's context caching, as the REST reference (v1beta) and the
 * caching guide (ai.google.dev, "Context caching") document it:
 *
 * - explicit caches: `cachedContents` created (`POST /v1beta/cachedContents`
 *   with `model`, `contents`, `ttl` or `expireTime`; default TTL one hour),
 *   listed, read, their `ttl`/`expireTime` patched, deleted, and used by name
 *   as `cachedContent` in `generateContent`, `streamGenerateContent` and
 *   `countTokens`. A cache is gone once its `expireTime` passes; anything that
 *   names a gone cache is answered 403 PERMISSION_DENIED "CachedContent not
 *   found (or permission denied)", as Gemini does. Creation refuses a cache
 *   below the model's minimum size (1,024 tokens, 4,096 on Pro models).
 * - implicit caching: a request whose prefix (its leading video parts with
 *   their `videoMetadata`, the media resolution, the system instruction, the
 *   same model) was answered within `implicitWindowMs` is served that prefix
 *   from the cache, reported as `cachedContentTokenCount` and
 *   `cacheTokensDetails` in `usageMetadata`.
 *
 * Time is `now()`, so a test can move it (expiry, the implicit window).
 */
import type { GenerateContentRequestBody, ModalityTokenCount, PromptCount } from "./fake-gemini-tokens";
import { errorResponse, geminiErrors, type ErrorBehavior } from "./fake-gemini-wire";

/** What a request that can name a cache carries besides what is counted. */
export type CacheableRequest = GenerateContentRequestBody & {
  cachedContent?: unknown;
  systemInstruction?: unknown;
  tools?: unknown;
  toolConfig?: unknown;
};

/** Counts a request for a model as `generateContent` would, or Gemini's refusal. */
export type PromptCounter = (request: GenerateContentRequestBody, model: string) => PromptCount | Response;

export interface FakeCachedContent {
  name: string;
  /** `models/{model}`. */
  model: string;
  displayName: string | undefined;
  createTime: number;
  updateTime: number;
  expireTime: number;
  /** The cached contents as counted at creation (Gemini keeps them tokenized). */
  prompt: PromptCount;
}

/** Implicit caching keeps a prefix this long after the last request that sent it (Gemini does not publish its window). */
export const DEFAULT_IMPLICIT_WINDOW_MS = 5 * 60_000;
/** Caches live this long when created with neither `ttl` nor `expireTime`. */
const DEFAULT_TTL_MS = 3600_000;
/** Neither kind of cache holds less than this many tokens (the guide's minimum for Flash models). */
const MIN_CACHED_TOKENS = 1024;
/** The minimum for Pro models. */
const MIN_CACHED_TOKENS_PRO = 4096;

const COLLECTION_PATH = "/v1beta/cachedContents";
const CACHE_PATH = /^\/v1beta\/(cachedContents\/[a-z0-9]+)$/;
const DURATION = /^(\d+(?:\.\d{1,9})?)s$/;

const cacheNotFound = (): ErrorBehavior => ({
  kind: "error",
  httpStatus: 403,
  status: "PERMISSION_DENIED",
  message: "CachedContent not found (or permission denied)"
});

export class FakeCaches {
  /** The fake's clock, in epoch milliseconds. */
  now: () => number = () => Date.now();
  implicitWindowMs = DEFAULT_IMPLICIT_WINDOW_MS;
  /** Every cache created, expired or deleted ones until they are looked at. */
  readonly entries = new Map<string, FakeCachedContent>();
  /** Every cache ever created, by name, kept after it is gone (for tests asking what a request's cache held). */
  readonly created = new Map<string, FakeCachedContent>();
  /** When each request prefix was last answered, by its key. */
  private readonly prefixes = new Map<string, number>();

  constructor(private readonly count: PromptCounter) {}

  reset(): void {
    this.entries.clear();
    this.created.clear();
    this.prefixes.clear();
    this.now = () => Date.now();
    this.implicitWindowMs = DEFAULT_IMPLICIT_WINDOW_MS;
  }

  /** Answers the `cachedContents` methods; undefined for any other path. */
  handle(method: string, path: string, body: unknown): Response | undefined {
    if (path === COLLECTION_PATH) {
      if (method === "POST") return this.create(body);
      if (method === "GET") {
        const caches = [...this.entries.values()].filter((cache) => this.live(cache.name)).map((cache) => this.resource(cache));
        return Response.json(caches.length > 0 ? { cachedContents: caches } : {});
      }
      return undefined;
    }
    const name = CACHE_PATH.exec(path)?.[1];
    if (!name) return undefined;
    const cache = this.live(name);
    if (!cache) return errorResponse(cacheNotFound());
    if (method === "GET") return Response.json(this.resource(cache));
    if (method === "DELETE") {
      this.entries.delete(name);
      return Response.json({});
    }
    if (method === "PATCH") {
      const expireTime = this.expireTime((body ?? {}) as { ttl?: unknown; expireTime?: unknown }, "cached_content");
      if (expireTime instanceof Response) return expireTime;
      cache.expireTime = expireTime ?? cache.expireTime;
      cache.updateTime = this.now();
      return Response.json(this.resource(cache));
    }
    return undefined;
  }

  /**
   * The live cache a request names in `cachedContent`, undefined when it names
   * none, or Gemini's refusal (gone, another model, settings a cache must hold).
   */
  lookUp(model: string, request: CacheableRequest): FakeCachedContent | Response | undefined {
    if (request.cachedContent === undefined) return undefined;
    const cache = this.live(String(request.cachedContent));
    if (!cache) return errorResponse(cacheNotFound());
    if (cache.model !== `models/${model}`) {
      return errorResponse(
        geminiErrors.invalidArgument(
          "cached_content",
          `Model used by GenerateContent request (models/${model}) and CachedContent (${cache.model}) has to be the same.`
        )
      );
    }
    if (request.systemInstruction !== undefined || request.tools !== undefined || request.toolConfig !== undefined) {
      return errorResponse(
        geminiErrors.invalidArgument(
          "cached_content",
          "CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config.\n\nProposed fix: move those values to CachedContent from GenerateContent request."
        )
      );
    }
    return cache;
  }

  /**
   * What of a counted request Gemini serves from a cache, by modality: all of
   * an explicit cache it names, else the longest prefix answered within the
   * implicit window (and the request's prefixes are remembered from now).
   */
  served(
    model: string,
    request: CacheableRequest,
    prompt: PromptCount,
    cache: FakeCachedContent | undefined
  ): ModalityTokenCount[] {
    if (cache) return cache.prompt.promptTokensDetails;
    const leading = leadingFileParts(request);
    const now = this.now();
    let tokens = { video: 0, audio: 0 };
    let served = { video: 0, audio: 0 };
    const keys: string[] = [];
    for (const part of prompt.videoParts.slice(0, leading)) {
      keys.push(part.key);
      tokens = { video: tokens.video + part.video, audio: tokens.audio + part.audio };
      if (tokens.video + tokens.audio < MIN_CACHED_TOKENS) continue;
      const key = JSON.stringify([model, request.systemInstruction ?? null, keys]);
      const seen = this.prefixes.get(key);
      if (seen !== undefined && now - seen <= this.implicitWindowMs) served = tokens;
      this.prefixes.set(key, now);
    }
    return [
      { modality: "VIDEO" as const, tokenCount: served.video },
      { modality: "AUDIO" as const, tokenCount: served.audio }
    ].filter((detail) => detail.tokenCount > 0);
  }

  /** The cache, or undefined once deleted or expired (an expired one is dropped, as Gemini deletes it). */
  private live(name: string): FakeCachedContent | undefined {
    const cache = this.entries.get(name);
    if (cache && cache.expireTime <= this.now()) {
      this.entries.delete(name);
      return undefined;
    }
    return cache;
  }

  private create(body: unknown): Response {
    const input = (body ?? {}) as CacheableRequest & {
      model?: unknown;
      displayName?: unknown;
      ttl?: unknown;
      expireTime?: unknown;
    };
    const model = /^models\/([^/]+)$/.exec(String(input.model ?? ""))?.[1];
    if (!model)
      return errorResponse(geminiErrors.invalidArgument("cached_content.model", "model is not specified or malformed."));
    const expireTime = this.expireTime(input, "cached_content");
    if (expireTime instanceof Response) return expireTime;
    const prompt = this.count({ contents: input.contents ?? [] }, model);
    if (prompt instanceof Response) return prompt;
    const minimum = /pro/.test(model) ? MIN_CACHED_TOKENS_PRO : MIN_CACHED_TOKENS;
    if (prompt.totalTokens < minimum) {
      return errorResponse(
        geminiErrors.invalidArgument(
          "cached_content",
          `Cached content is too small. total_token_count=${prompt.totalTokens}, min_total_token_count=${minimum}`
        )
      );
    }
    const now = this.now();
    const cache: FakeCachedContent = {
      name: `cachedContents/${resourceId(12)}`,
      model: `models/${model}`,
      displayName: typeof input.displayName === "string" ? input.displayName : undefined,
      createTime: now,
      updateTime: now,
      expireTime: expireTime ?? now + DEFAULT_TTL_MS,
      prompt
    };
    this.entries.set(cache.name, cache);
    this.created.set(cache.name, cache);
    return Response.json(this.resource(cache));
  }

  /** The expiry `ttl` or `expireTime` asks for, undefined when neither is set, or Gemini's refusal. */
  private expireTime(input: { ttl?: unknown; expireTime?: unknown }, field: string): number | undefined | Response {
    if (input.ttl !== undefined) {
      const match = typeof input.ttl === "string" ? DURATION.exec(input.ttl) : null;
      if (!match) {
        return errorResponse(
          geminiErrors.invalidArgument(
            `${field}.ttl`,
            `Invalid value at '${field}.ttl' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(input.ttl)}`
          )
        );
      }
      return this.now() + Math.round(Number(match[1]) * 1000);
    }
    if (input.expireTime !== undefined) {
      const time = typeof input.expireTime === "string" ? Date.parse(input.expireTime) : Number.NaN;
      if (Number.isNaN(time)) {
        return errorResponse(
          geminiErrors.invalidArgument(
            `${field}.expire_time`,
            `Invalid value at '${field}.expire_time' (type.googleapis.com/google.protobuf.Timestamp), ${JSON.stringify(input.expireTime)}`
          )
        );
      }
      return time;
    }
    return undefined;
  }

  /** The `CachedContent` resource; its contents are input only, so never sent back. */
  private resource(cache: FakeCachedContent): Record<string, unknown> {
    return {
      name: cache.name,
      model: cache.model,
      ...(cache.displayName !== undefined ? { displayName: cache.displayName } : {}),
      createTime: new Date(cache.createTime).toISOString(),
      updateTime: new Date(cache.updateTime).toISOString(),
      expireTime: new Date(cache.expireTime).toISOString(),
      usageMetadata: { totalTokenCount: cache.prompt.totalTokens }
    };
  }
}

/** A request's own count with its cache's contents in front, as Gemini bills it. */
export function withCache(own: PromptCount, cache: FakeCachedContent): PromptCount {
  const byModality = new Map<ModalityTokenCount["modality"], number>();
  for (const detail of [...cache.prompt.promptTokensDetails, ...own.promptTokensDetails]) {
    byModality.set(detail.modality, (byModality.get(detail.modality) ?? 0) + detail.tokenCount);
  }
  return {
    totalTokens: cache.prompt.totalTokens + own.totalTokens,
    promptTokensDetails: (["TEXT", "VIDEO", "AUDIO"] as const)
      .filter((modality) => byModality.has(modality))
      .map((modality) => ({ modality, tokenCount: byModality.get(modality)! })),
    videoParts: [...cache.prompt.videoParts, ...own.videoParts]
  };
}

/** How many parts open the request with a file (a video), before any text. */
function leadingFileParts(request: GenerateContentRequestBody): number {
  let leading = 0;
  for (const content of request.contents ?? []) {
    for (const part of content.parts ?? []) {
      if (!part.fileData) return leading;
      leading += 1;
    }
  }
  return leading;
}

/** A lowercase alphanumeric id, the form of Gemini's cache and batch ids. */
export function resourceId(length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => alphabet[byte % alphabet.length]).join("");
}
