import { afterEach, beforeEach, vi } from "vitest";
import { FAKE_GEMINI_BASE_URL, FAKE_VIDEO_ORIGIN } from "../../constants";
import { FakeGemini } from "../../support/fake-gemini";
import { FakeVideoHost } from "../../support/fake-video";

export interface Fakes {
  gemini: FakeGemini;
  videos: FakeVideoHost;
  /** The URL of every outbound request, in order, those to unexpected hosts included. */
  requested: string[];
  /**
   * Cuts every fetch already under way, as a connection reset would. Called
   * before evicting a Durable Object: in the test pool an evicted object's
   * promises live on in the shared isolate, and this sends its running job
   * into a retry wait on an alarm that now belongs to the new instance, so it
   * never wakes, as if the process had died.
   */
  sever(): void;
}

let epoch = 0;

/**
 * Routes outbound fetches to the fake Gemini and the fake video host for the
 * tests of the calling file. The Durable Objects run in the tests' isolate,
 * so their fetches go through this spy too. Anything else fails loudly:
 * tests never reach the network.
 */
export function useFakes(): Fakes {
  const fakes: Fakes = {
    gemini: new FakeGemini(),
    videos: new FakeVideoHost(FAKE_VIDEO_ORIGIN),
    requested: [],
    sever: () => {
      epoch += 1;
    }
  };
  beforeEach(() => {
    fakes.gemini.reset();
    fakes.videos.reset();
    fakes.requested.length = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      fakes.requested.push(request.url);
      const handler = request.url.startsWith(FAKE_GEMINI_BASE_URL)
        ? fakes.gemini
        : request.url.startsWith(FAKE_VIDEO_ORIGIN)
          ? fakes.videos
          : undefined;
      if (!handler) throw new TypeError(`Test fetch to an unexpected host: ${request.url}`);
      const startedIn = epoch;
      return severable(await abortable(handler.handle(request), init?.signal ?? undefined), startedIn);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return fakes;
}

const connectionLost = () => new TypeError("Network connection lost.");

/** A response that fails like a reset connection once `sever()` has been called. */
async function severable(response: Response, startedIn: number): Promise<Response> {
  if (startedIn !== epoch) throw connectionLost();
  if (!response.body) return response;
  const reader = response.body.getReader();
  const body = new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const { done, value } = await reader.read();
      if (startedIn !== epoch) controller.error(connectionLost());
      else if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason)
  });
  return new Response(body, response);
}

/** Rejects when `signal` aborts, as a real fetch does (response bodies included). */
async function abortable(pending: Promise<Response>, signal: AbortSignal | undefined): Promise<Response> {
  if (!signal) return pending;
  signal.throwIfAborted();
  const response = await Promise.race([
    pending,
    new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }))
  ]);
  if (!response.body) return response;
  const reader = response.body.getReader();
  const body = new ReadableStream({
    type: "bytes",
    async pull(controller) {
      if (signal.aborted) {
        await reader.cancel();
        controller.error(signal.reason);
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason)
  });
  return new Response(body, response);
}

/** The fake Gemini alone, for files that need no videos. */
export function useFakeGemini(): FakeGemini {
  return useFakes().gemini;
}
