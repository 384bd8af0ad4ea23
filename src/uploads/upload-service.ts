/**
 * `createVideoUpload`'s side of the server: makes the upload's object, its
 * one-time capability, and the URLs and command the tool hands out.
 * @module
 */
import type { Config } from "../config";
import type { Env } from "../env";
import { configuredSecret } from "../http/auth";
import { issueCapability, UPLOAD_LINK_TTL_SECONDS } from "../ids/upload-capability";
import { newUploadId, uploadVideoUrl } from "../ids/upload-id";
import type { CreatedUpload, UploadRequest, UploadService } from "../tools/deps";
import { shellCommand } from "./shell-command";
import { MAX_CHUNK_BYTES } from "./tus";
import { displayName, tooBig } from "./upload-do";
import { consoleObject } from "../session/console-reporter";

export function uploadObject(env: Env, uploadId: string) {
  return env.UPLOADS.get(env.UPLOADS.idFromName(uploadId));
}

/** The uploads `origin` (the server's URL as its callers reach it) hands out. */
export function uploadService(env: Env, config: Config, origin: () => string | undefined): UploadService {
  return {
    async create(request: UploadRequest): Promise<CreatedUpload> {
      const secret = configuredSecret(env.SHARED_SECRET);
      const base = config.publicOrigin ?? origin();
      if (!secret || !base) throw new Error("Uploads need SHARED_SECRET and the server's URL.");
      if (request.sizeBytes !== undefined && request.sizeBytes > config.maxUploadBytes) {
        throw new Error(tooBig(request.sizeBytes, config.maxUploadBytes).message);
      }
      const uploadId = newUploadId();
      const status = await uploadObject(env, uploadId).reserve({
        uploadId,
        length: request.sizeBytes ?? null,
        fileName: displayName(request.fileName),
        mimeType: request.mimeType ?? null
      });
      const linkExpiresAt = Math.min(Date.now() + UPLOAD_LINK_TTL_SECONDS * 1000, status.expiresAt);
      const capability = await issueCapability(secret, uploadId, linkExpiresAt);
      const tusUrl = `${base}/uploads/${uploadId}`;
      return {
        uploadId,
        videoUrl: uploadVideoUrl(uploadId),
        tusUrl,
        expiresAt: new Date(status.expiresAt).toISOString(),
        linkExpiresAt: new Date(linkExpiresAt).toISOString(),
        uploadPageUrl: `${base}/upload/${uploadId}#${capability}`,
        command: shellCommand({ filePath: request.fileName, tusUrl, capability }),
        maxChunkBytes: MAX_CHUNK_BYTES
      };
    },
    list: () => consoleObject(env).listUploads()
  };
}
