import { afterEach, beforeEach, vi } from "vitest";
import { FAKE_GEMINI_BASE_URL } from "../../constants";
import { FakeGemini } from "../../support/fake-gemini";

/**
 * Routes every outbound fetch to the fake Gemini host to `FakeGemini` for
 * the tests of the calling file. The Durable Objects run in the tests'
 * isolate, so their fetches go through this spy too. Anything else fails
 * loudly: tests never reach the network.
 */
export function useFakeGemini(): FakeGemini {
  const fake = new FakeGemini();
  beforeEach(() => {
    fake.reset();
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      if (request.url.startsWith(FAKE_GEMINI_BASE_URL)) return fake.handle(request);
      throw new TypeError(`Test fetch to an unexpected host: ${request.url}`);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return fake;
}
