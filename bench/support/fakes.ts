/**
 * The loopback stand-ins every benchmark needs: the fake Gemini (with a
 * native SHA-256 digest for uploads, much faster than the tests' CRC-32:
 * 0.56 s a GB here, where the CPU has SHA extensions, against MD5's 1.26 s;
 * the fake's CPU is the benchmark's, not the server's, so it should be
 * small) and the fake video host, each served by Node on 127.0.0.1.
 */
import { createHash } from "node:crypto";
import { FakeGemini, type Digest } from "../../test/support/fake-gemini";
import { FakeVideoHost } from "../../test/support/fake-video";
import { serveOnLoopback } from "../../test/node/support/node-server";

/** SHA-256 of the bytes so far; like the tests' CRC-32, it can be read more than once (the fake reads it when it finalizes). */
export class Sha256Digest implements Digest {
  private readonly hash = createHash("sha256");
  private result: string | undefined;
  update(bytes: Uint8Array) {
    if (this.result !== undefined) throw new Error("Sha256Digest: update after digest");
    this.hash.update(bytes);
  }
  digest() {
    this.result ??= this.hash.digest("hex");
    return this.result;
  }
}

export interface Fakes {
  gemini: FakeGemini;
  geminiUrl: string;
  videos: FakeVideoHost;
  /** What the server needs to use them (merge into `startDevServer`'s vars). */
  serverVars: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const gemini = new FakeGemini(() => new Sha256Digest());
  const geminiServer = await serveOnLoopback((request) => gemini.handle(request));
  let videos: FakeVideoHost | undefined;
  const videoServer = await serveOnLoopback((request) => videos!.handle(request));
  videos = new FakeVideoHost(videoServer.url);
  return {
    gemini,
    geminiUrl: geminiServer.url,
    videos,
    serverVars: { GOOGLE_API_KEY: "bench", GEMINI_BASE_URL: geminiServer.url, ALLOW_PRIVATE_VIDEO_URLS: "true" },
    async close() {
      await geminiServer.close();
      await videoServer.close();
    }
  };
}
