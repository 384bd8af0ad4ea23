/**
 * Uploads shared between objects: a video one session uploaded is found by
 * another session, or by a session-less call, asking about the same source
 * (same URL, same source tag). The jobs layer owns this port; the session
 * layer implements it with the object each video is named after, which
 * keeps the register (`upload-registry.ts`).
 * @module
 */
import type { VideoFile } from "./video-files";

export interface SharedUploads {
  /** A file another object kept for `videoUrl`, uploaded from the source `sourceTag` names, with time left. */
  find(videoUrl: string, sourceTag: string): Promise<VideoFile | undefined>;
  /** Registers a file this object keeps, so that others may read it. */
  offer(file: VideoFile): Promise<void>;
  /**
   * At the end of the object that kept `file`: true when the video's object
   * took it over because another reads it (then the caller must not delete
   * it); false when nobody else did (the caller deletes it, as before).
   */
  handOver(file: VideoFile): Promise<boolean>;
  /** The file was deleted, or Gemini lost it: nobody is sent to it again. */
  withdraw(videoUrl: string, fileName: string): Promise<void>;
}
