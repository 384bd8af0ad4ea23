import type { GeminiSettings } from "../config";
import type { FetchLike } from "../gemini/client";

/** What the tools need from their host; nothing here knows about transports. */
export interface ToolDeps {
  gemini: GeminiSettings;
  /** Outbound fetch for Gemini; defaults to the global `fetch`. */
  fetch?: FetchLike;
}
