/**
 * What every end-to-end file runs against: a fake Gemini and a fake video
 * host on loopback ports, and the real server (see dev-server.ts) pointed at
 * them with the settings a file asks for.
 */
import { FakeGemini, type Digest } from "../../support/fake-gemini";
import { FakeVideoHost } from "../../support/fake-video";
import { startDevServer, type DevServer, type DevServerOptions } from "./dev-server";
import { serveOnLoopback } from "./node-server";

export interface Stack {
  gemini: FakeGemini;
  videos: FakeVideoHost;
  server: DevServer;
  /** Stops the server (printing its output first when E2E_DEBUG is set) and both fakes. */
  stop(): Promise<void>;
}

/** The fakes and the server; `vars` are added to (or override) the server's settings. */
export async function startStack(
  vars: Record<string, string> = {},
  options: DevServerOptions = {},
  /** How the fake checksums what it receives (CRC-32 unless a test asks for, say, SHA-256). */
  geminiDigest?: () => Digest
): Promise<Stack> {
  const gemini = new FakeGemini(geminiDigest);
  let videos: FakeVideoHost | undefined;
  const geminiServer = await serveOnLoopback((request) => gemini.handle(request));
  const videoServer = await serveOnLoopback((request) => videos!.handle(request));
  videos = new FakeVideoHost(videoServer.url);
  const closeFakes = async () => {
    await geminiServer.close();
    await videoServer.close();
  };
  let server: DevServer;
  try {
    server = await startDevServer(
      {
        GOOGLE_API_KEY: "e2e-google-api-key",
        GEMINI_BASE_URL: geminiServer.url,
        GEMINI_MODEL: "gemini-e2e",
        ALLOW_PRIVATE_VIDEO_URLS: "true",
        ...vars
      },
      options
    );
  } catch (error) {
    await closeFakes();
    throw error;
  }
  return {
    gemini,
    videos,
    server,
    async stop() {
      if (process.env.E2E_DEBUG) console.log(server.output());
      await server.stop();
      await closeFakes();
    }
  };
}
