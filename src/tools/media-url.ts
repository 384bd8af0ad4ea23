/**
 * The viewer's `<video>` source: a result that shows a job of a file URL
 * carries `mediaUrl`, a link to the video's bytes on this server's origin
 * (`GET /media?token=`, `video/media-link.ts`), which a host that lets media
 * load only from the app's declared origins plays. YouTube links have none
 * (Gemini reads them; nothing is fetched), and neither has a result whose
 * job is not known here.
 * @module
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import { parseVideoSource, type VideoSource } from "../jobs/source-check";
import type { ToolDeps } from "./deps";

function sourceNamed(videoUrl: unknown): VideoSource | undefined {
  if (typeof videoUrl !== "string") return undefined;
  try {
    return parseVideoSource(videoUrl);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `result` with `mediaUrl` added to its structured content, when it shows a job of a file URL. */
export async function withMediaUrl(result: CallToolResult, deps: ToolDeps): Promise<CallToolResult> {
  const structured = isRecord(result.structuredContent) ? result.structuredContent : undefined;
  const jobId = structured?.jobId;
  if (!deps.media || result.isError || !structured || typeof jobId !== "string") return result;
  const source = sourceNamed(structured.videoUrl) ?? deps.jobs.get(jobId)?.input.source;
  if (source?.kind !== "url") return result;
  return { ...result, structuredContent: { ...structured, mediaUrl: await deps.media.linkFor(source.url) } };
}
