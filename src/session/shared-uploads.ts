/**
 * `SharedUploads` for a session object: each video's register is kept by
 * the object named after its URL (`source-affinity.ts`), reached over RPC;
 * when that object is this one, its own register is used directly.
 * `ServedRegister` is the other side: the register a video's object serves
 * to the others through its RPC methods.
 * @module
 */
import type { Env } from "../env";
import { sessionIds, type SessionIds } from "../ids/signed-session-id";
import type { ReleaseFileOptions } from "../jobs/job-service";
import type { SharedUploads } from "../jobs/shared-uploads-port";
import type { UploadRegistry } from "../jobs/upload-registry";
import type { VideoFile } from "../jobs/video-files";
import { canonicalUrl, sourceSessionId } from "./source-affinity";

/** `SharedUploads` for `self`, an object of the `SESSIONS` namespace whose own register is `local`. */
export function sharedUploadsOf(env: Env, self: DurableObjectId, local: UploadRegistry): SharedUploads {
  return sharedUploads({
    ids: () => sessionIds(env.SHARED_SECRET),
    self: self.toString(),
    isSelf: (sessionId) => env.SESSIONS.idFromName(sessionId).equals(self),
    local,
    objectOf: (sessionId) => env.SESSIONS.get(env.SESSIONS.idFromName(sessionId))
  });
}

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

export interface ServedRegisterOptions {
  /** Runs a change once the object started (so it has storage), which then watches itself for expiry. */
  started<T>(work: () => Promise<T>): Promise<T>;
  /** Deletes a Gemini file (`JobManager.releaseFile`). */
  releaseFile(fileName: string, options: ReleaseFileOptions): Promise<void>;
}

/**
 * This object's register, as the RPC methods of `UploadRegister` serve it.
 * A change to it is activity: the object ends a SESSION_TTL_SECONDS after
 * the last one. An object that never registered (or has ended) stays
 * without storage when only asked.
 */
export class ServedRegister implements UploadRegister {
  constructor(
    private readonly local: UploadRegistry,
    private readonly options: ServedRegisterOptions
  ) {}

  async findUpload(videoUrl: string, sourceTag: string, reader: string): Promise<VideoFile | undefined> {
    if (!this.local.exists()) return undefined;
    return this.change(() => this.local.find(videoUrl, sourceTag, reader));
  }

  async offerUpload(file: VideoFile, owner: string): Promise<void> {
    const displaced = await this.change(() => this.local.offer(file, owner));
    if (displaced) await this.options.releaseFile(displaced.fileName, { evenIfKept: true });
  }

  async handOverUpload(fileName: string, owner: string): Promise<boolean> {
    if (!this.local.exists()) return false;
    return this.change(() => this.local.handOver(fileName, owner));
  }

  async withdrawUpload(fileName: string): Promise<void> {
    if (this.local.exists()) this.local.withdraw(fileName);
  }

  /** When the register last changed (0 for never). */
  lastUsed(): number {
    return this.local.lastUsed();
  }

  /**
   * At the object's end: the files it adopted from others are withdrawn
   * first, so nobody is handed a file being deleted, then deleted.
   */
  async releaseAdopted(): Promise<void> {
    const adopted = this.local.adopted();
    for (const file of adopted) this.local.withdraw(file.fileName);
    const release = { evenIfKept: true, evenIfInUse: true };
    await Promise.allSettled(adopted.map((file) => this.options.releaseFile(file.fileName, release)));
  }

  /** Drops the register's in-memory state once the object's storage is gone. */
  forget(): void {
    this.local.forget();
  }

  private change<T>(change: () => T): Promise<T> {
    return this.options.started(async () => change());
  }
}
