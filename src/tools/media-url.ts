/**
 * The viewer's `<video>` source: a result that shows a job of a file URL
 * carries `mediaUrl`, a link to the video's bytes on this server's origin
 * (`GET /media?token=`, `video/media-link.ts`), which a host that lets media
 * load only from the app's declared origins plays. YouTube links have none
 * (Gemini reads them; nothing is fetched), uploads none (the server keeps
 * no copy of their bytes), and neither has a job not known here.
 * @module
 */
import type { CallToolResult, ServerContext } from "@modelcontextprotocol/server";
import { parseVideoSource, type VideoSource } from "../jobs/source-check";
import type { ToolDeps } from "./deps";

type Call = (args: Record<string, unknown>, ctx: ServerContext, deps: ToolDeps) => Promise<CallToolResult>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The video a call names: its `videoUrl`, or the job its `jobId` names (whose follow-ups share its video). */
function sourceOf(args: Record<string, unknown>, deps: ToolDeps): VideoSource | undefined {
  if (typeof args.videoUrl === "string") {
    try {
      return parseVideoSource(args.videoUrl);
    } catch {
      return undefined;
    }
  }
  return typeof args.jobId === "string" ? deps.jobs.get(args.jobId)?.input.source : undefined;
}

/**
 * `call`, whose results showing a job of a file URL carry `mediaUrl`. The
 * link counts against MAX_RESULT_CHARS like the rest of the result: the
 * call is given that much less room.
 */
export function withMediaUrl(
  call: Call,
  deps: ToolDeps
): (args: Record<string, unknown>, ctx: ServerContext) => Promise<CallToolResult> {
  return async (args, ctx) => {
    const source = deps.media ? sourceOf(args, deps) : undefined;
    if (!deps.media || source?.kind !== "url") return call(args, ctx, deps);
    const mediaUrl = await deps.media.linkFor(source.url);
    // At least the `,"mediaUrl":"…"` it adds to the structured content.
    const room = JSON.stringify({ mediaUrl }).length;
    const result = await call(args, ctx, { ...deps, maxResultChars: Math.max(0, deps.maxResultChars - room) });
    const structured = isRecord(result.structuredContent) ? result.structuredContent : undefined;
    if (result.isError || !structured || typeof structured.jobId !== "string") return result;
    return { ...result, structuredContent: { ...structured, mediaUrl } };
  };
}
