/**
 * `SharedUploads` for a session object: each video's register is kept by
 * the object named after its URL (`source-affinity.ts`), reached over RPC;
 * when that object is this one, its own register is used directly.
 * @module
 */
import type { SessionIds } from "../ids/signed-session-id";
import type { SharedUploads } from "../jobs/shared-uploads-port";
import type { UploadRegistry } from "../jobs/upload-registry";
import type { VideoFile } from "../jobs/video-files";
import { canonicalUrl, sourceSessionId } from "./source-affinity";

/** What the object named after a video answers about its uploads (its RPC methods). */
export interface UploadRegister {
  findUpload(videoUrl: string, sourceTag: string, reader: string): Promise<VideoFile | undefined>;
  offerUpload(file: VideoFile, owner: string): Promise<void>;
  handOverUpload(fileName: string, owner: string): Promise<boolean>;
  withdrawUpload(fileName: string): Promise<void>;
}

export interface SharedUploadsOptions {
  /** Made when first needed: an object without SHARED_SECRET still starts. */
  ids(): SessionIds;
  /** This object, as registers know it (its Durable Object id). */
  self: string;
  /** True when the session id names this object. */
  isSelf(sessionId: string): boolean;
  /** This object's own register. */
  local: UploadRegistry;
  /** The object with this session id. */
  objectOf(sessionId: string): UploadRegister;
}

export function sharedUploads({ ids, self, isSelf, local, objectOf }: SharedUploadsOptions): SharedUploads {
  /** The register for `videoUrl`: undefined when it is this object's own. */
  const remote = async (videoUrl: string): Promise<UploadRegister | undefined> => {
    const keeper = await sourceSessionId(ids(), videoUrl);
    return isSelf(keeper) ? undefined : objectOf(keeper);
  };
  return {
    async find(videoUrl, sourceTag) {
      const register = await remote(videoUrl);
      const url = canonicalUrl(videoUrl);
      return register ? register.findUpload(url, sourceTag, self) : local.find(url, sourceTag, self);
    },
    async offer(file) {
      const register = await remote(file.videoUrl);
      const registered = { ...file, videoUrl: canonicalUrl(file.videoUrl) };
      // An older version adopted by this object itself is left to Gemini's expiry (48 h).
      if (register) await register.offerUpload(registered, self);
      else local.offer(registered, self);
    },
    async handOver(file) {
      return (await (await remote(file.videoUrl))?.handOverUpload(file.fileName, self)) ?? false;
    },
    async withdraw(videoUrl, fileName) {
      const register = await remote(videoUrl);
      if (register) await register.withdrawUpload(fileName);
      else local.withdraw(fileName);
    }
  };
}
