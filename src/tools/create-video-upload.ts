/**
 * `createVideoUpload`: a tus upload for a file on the user's own disk, with
 * a command a shell user pastes (Claude Code) and a one-time browser link
 * (Claude Desktop, claude.ai). The upload is then a video any analysis tool
 * takes as `videoUrl: "upload:<uploadId>"`.
 * @module
 */
import { z } from "zod";
import { defineTool } from "./tool";
import { toolError } from "./tool-error";

export const createVideoUpload = defineTool({
  name: "createVideoUpload",
  title: "Upload a local video",
  description:
    'Makes an upload for a video file on the user\'s own machine. Returns a bash command that uploads the file (for a shell: run it as is; it resumes if run again) and a one-time browser link to an upload page (hand it to the user: they drop the file there). Any analysis tool then takes videoUrl "upload:<uploadId>", even before the upload ends.',
  inputSchema: z.object({
    fileName: z
      .string()
      .trim()
      .min(1, "fileName must not be empty")
      .max(4096, "fileName must be at most 4096 characters")
      .describe("The file's path on the user's machine (the command reads it from there), or just its name."),
    sizeBytes: z
      .number({ error: "sizeBytes must be a number" })
      .int("sizeBytes must be a whole number")
      .positive("sizeBytes must be above 0")
      .optional()
      .describe("The file's size in bytes, when known; otherwise the command or the page says it."),
    mimeType: z
      .string()
      .regex(/^video\/[\w.+-]+$/, "mimeType must be a video type such as video/mp4")
      .optional()
      .describe("The video's type, e.g. video/mp4 (optional: the server reads it from the first bytes).")
  }),
  outputSchema: z.object({
    uploadId: z.string(),
    videoUrl: z.string(),
    tusUrl: z.string(),
    expiresAt: z.string(),
    linkExpiresAt: z.string(),
    uploadPageUrl: z.string(),
    command: z.string(),
    maxChunkBytes: z.number()
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  instructions:
    'createVideoUpload gets a video from the user\'s own disk: run its command in a shell, or give the user its upload page link; then analyse videoUrl "upload:<uploadId>".',
  async call(args, _ctx, deps) {
    try {
      const created = await deps.uploads.create({
        fileName: args.fileName,
        ...(args.sizeBytes !== undefined ? { sizeBytes: args.sizeBytes } : {}),
        ...(args.mimeType !== undefined ? { mimeType: args.mimeType } : {})
      });
      const text = [
        `Upload ${created.uploadId} is ready until ${created.expiresAt}; analyse it with videoUrl "${created.videoUrl}" (an analysis may start before the upload ends).`,
        `With a shell, run this command as is (it resumes if run again; its link works until ${created.linkExpiresAt}):`,
        created.command,
        `Without a shell, give the user this link to drop the file on (one file, until ${created.linkExpiresAt}): ${created.uploadPageUrl}`
      ].join("\n\n");
      return { content: [{ type: "text", text }], structuredContent: { ...created } };
    } catch (error) {
      return toolError(error);
    }
  }
});
