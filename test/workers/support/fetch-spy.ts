import { afterEach, beforeEach, vi } from "vitest";
import { FAKE_GEMINI_BASE_URL, FAKE_VIDEO_ORIGIN } from "../../constants";
import { FakeGemini } from "../../support/fake-gemini";
import { FakeVideoHost } from "../../support/fake-video";

export interface Fakes {
  gemini: FakeGemini;
  videos: FakeVideoHost;
}

/**
 * Routes outbound fetches to the fake Gemini and the fake video host for the
 * tests of the calling file. The Durable Objects run in the tests' isolate,
 * so their fetches go through this spy too. Anything else fails loudly:
 * tests never reach the network.
 */
export function useFakes(): Fakes {
  const fakes = { gemini: new FakeGemini(), videos: new FakeVideoHost(FAKE_VIDEO_ORIGIN) };
  beforeEach(() => {
    fakes.gemini.reset();
    fakes.videos.reset();
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      if (request.url.startsWith(FAKE_GEMINI_BASE_URL)) return fakes.gemini.handle(request);
      if (request.url.startsWith(FAKE_VIDEO_ORIGIN)) return fakes.videos.handle(request);
      throw new TypeError(`Test fetch to an unexpected host: ${request.url}`);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return fakes;
}

/** The fake Gemini alone, for files that need no videos. */
export function useFakeGemini(): FakeGemini {
  return useFakes().gemini;
}
