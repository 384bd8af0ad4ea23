/**
 * The console's routes in the Worker: the page and its headers, sign-in with
 * the owner's secret (throttled like the consent page), the cookie's flags,
 * CSRF refusals, the deployment-wide list fed by every session object, the
 * event stream, an analysis's record, transcript downloads, the start form's
 * validation (the tools' own messages), cancel, and sign-out.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tokenHash } from "../../src/console/cookie-session";
import { consoleObject } from "../../src/session/console-reporter";
import { TEST_SHARED_SECRET } from "../constants";
import { type MovableClock, movableClock } from "./support/clock";
import { useFakes } from "./support/fetch-spy";
import { BASE_URL, call, postJson, SseReader } from "./support/http";

const fakes = useFakes();
const YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
const TRANSCRIPT = {
  language: "en",
  segments: [
    { start: "00:00", speaker: "Speaker 1", text: "Hello and welcome." },
    { start: "00:04", speaker: "Speaker 2", text: "Thanks --> for having me." },
    { start: "01:02", speaker: "Speaker 1", text: "Goodbye." }
  ]
};

const LOOPBACK = "http://127.0.0.1:8787";
let address = 0;
/** A fresh client address per sign-in, so one test's wrong secret never throttles another's. */
function clientAddress(): string {
  address += 1;
  return `192.0.2.${address}`;
}

function consoleCall(path: string, init: RequestInit & { base?: string } = {}): Promise<Response> {
  const base = init.base ?? BASE_URL;
  return exports.default.fetch(new Request(new URL(path, base), init));
}

/** Posts the sign-in form; `ip: null` sends no `CF-Connecting-IP`. */
function signIn(
  secret: string,
  { base = BASE_URL, origin = base, ip = clientAddress() }: { base?: string; origin?: string; ip?: string | null } = {}
): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json", Origin: origin };
  if (ip !== null) headers["CF-Connecting-IP"] = ip;
  return consoleCall("/console/api/sign-in", { base, method: "POST", headers, body: JSON.stringify({ secret }) });
}

/** Signs in; resolves with the Cookie header to send back. */
async function cookie(): Promise<string> {
  const response = await signIn(TEST_SHARED_SECRET);
  expect(response.status).toBe(200);
  return response.headers.get("Set-Cookie")!.split(";")[0]!;
}

function api(path: string, session: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("Cookie", session);
  if (init.method === "POST") headers.set("Origin", BASE_URL);
  if (init.body !== undefined) headers.set("Content-Type", "application/json");
  return consoleCall(`/console/api${path}`, { ...init, headers });
}

interface Entry {
  id: string;
  state: string;
  tool: string;
  videoUrl: string;
  percent: number;
  message: string;
  updatedAt: number;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, maxMs = 15_000): Promise<T> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Never reached: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function record(session: string, id: string): Promise<Record<string, unknown> & Entry> {
  return (await api(`/analyses/${id}`, session)).json();
}

async function start(session: string, form: Record<string, string>): Promise<string> {
  const response = await api("/analyses", session, { method: "POST", body: JSON.stringify(form) });
  const body = (await response.json()) as { id?: string; problems?: unknown };
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body.id!;
}

describe("the console page", () => {
  it("GET / serves the page with a strict Content-Security-Policy and no inline script", async () => {
    const response = await call("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    const csp = response.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
    const page = await response.text();
    expect(page).toContain('<script type="module" src="/console/app.js"></script>');
    // Every script has a src; no inline handlers, no third-party URL.
    expect(page.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
    expect(page).not.toMatch(/\son[a-z]+=/i);
    expect(page).not.toMatch(/(src|href)="https?:/);
  });

  it("lets no form post anywhere (form-action 'none'): the console's own forms send with fetch", async () => {
    for (const path of ["/", "/console/app.js", "/console/markdown.js"]) {
      const directives = (await call(path)).headers.get("Content-Security-Policy")!.split(/;\s*/);
      expect(directives, path).toContain("form-action 'none'");
    }
  });

  it("serves the vendored libraries from this server", async () => {
    for (const file of ["app.js", "vendor/lit-html.js", "vendor/marked.esm.js", "vendor/purify.es.mjs", "style.css"]) {
      const response = await call(`/console/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
      await response.arrayBuffer();
    }
  });
});

describe("console sign-in", () => {
  it("sets an HttpOnly, Secure, SameSite=Strict __Host- cookie for the right secret", async () => {
    const response = await signIn(TEST_SHARED_SECRET);
    expect(response.status).toBe(200);
    const setCookie = response.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(/^__Host-console=[0-9a-f]{128}; /);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("Secure");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/");
    expect(setCookie).toMatch(/Max-Age=\d+/);
  });

  it("leaves Secure off on plain http to loopback, where a browser would drop it", async () => {
    const base = "http://127.0.0.1:8787";
    const response = await signIn(TEST_SHARED_SECRET, { base });
    expect(response.status).toBe(200);
    const setCookie = response.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(/^console=[0-9a-f]{128}; /);
    expect(setCookie).not.toContain("Secure");
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    const me = await consoleCall("/console/api/me", { base, headers: { Cookie: setCookie.split(";")[0]! } });
    expect(me.status).toBe(200);
  });

  it("refuses a sign-in over plain http to a host that is not loopback, before looking at the secret", async () => {
    const ip = clientAddress();
    const response = await signIn(TEST_SHARED_SECRET, { base: "http://mcp.test", ip });
    expect(response.status).toBe(400);
    expect(response.headers.get("Set-Cookie")).toBeNull();
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("https_required");
    expect(error.message).toContain("https://mcp.test/");
    expect((await signIn(TEST_SHARED_SECRET, { ip })).status).toBe(200);
  });

  it("refuses a wrong secret without a cookie, then throttles that address as the consent page does", async () => {
    const ip = clientAddress();
    const wrong = await signIn("x".repeat(64), { ip });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get("Set-Cookie")).toBeNull();
    expect(wrong.headers.get("Retry-After")).toBe("1");
    expect(await wrong.json()).toMatchObject({ error: { code: "wrong_secret" } });
    const throttled = await signIn(TEST_SHARED_SECRET, { ip });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("Set-Cookie")).toBeNull();
  });

  it("where Cloudflare did not set it (a local server), a forged CF-Connecting-IP does not pick a fresh bucket", async () => {
    const clock = movableClock();
    try {
      expect((await signIn("x".repeat(64), { base: LOOPBACK, ip: "198.51.100.1" })).status).toBe(403);
      for (const ip of ["198.51.100.2", "198.51.100.3", null]) {
        const guess = await signIn("y".repeat(64), { base: LOOPBACK, ip });
        expect(guess.status, `from ${ip}`).toBe(429);
        expect(guess.headers.get("Retry-After")).toBe("1");
      }
      clock.advance(1);
      expect((await signIn(TEST_SHARED_SECRET, { base: LOOPBACK, ip: "198.51.100.4" })).status).toBe(200);
    } finally {
      clock.restore();
    }
  });

  /** Eight wrong secrets naming no address, each once it is heard; resolves with the delays they were given. */
  async function burst(base: string, clock: MovableClock): Promise<number[]> {
    const delays: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      const wrong = await signIn(`wrong-${attempt}`, { base, ip: null });
      expect(wrong.status).toBe(403);
      delays.push(Number(wrong.headers.get("Retry-After")));
      clock.advance(delays.at(-1)!);
    }
    return delays;
  }

  it("on a local server, after a burst of wrong secrets the owner signs in within 10 s", async () => {
    const clock = movableClock();
    try {
      expect(await burst(LOOPBACK, clock)).toEqual([1, 2, 4, 8, 10, 10, 10, 10]);
      // One more wrong secret, then the owner, with the secret, from the same bucket.
      expect((await signIn("z".repeat(64), { base: LOOPBACK, ip: null })).status).toBe(403);
      const held = await signIn(TEST_SHARED_SECRET, { base: LOOPBACK, ip: "198.51.100.5" });
      expect(held.status).toBe(429);
      expect(Number(held.headers.get("Retry-After"))).toBeLessThanOrEqual(10);
      clock.advance(10);
      expect((await signIn(TEST_SHARED_SECRET, { base: LOOPBACK, ip: null })).status).toBe(200);
    } finally {
      clock.restore();
    }
  });

  it("on the edge, a burst holds up its own address for minutes, the owner's not at all, and no address 10 s at most", async () => {
    const clock = movableClock();
    try {
      const stranger = clientAddress();
      const delays: number[] = [];
      for (let attempt = 0; attempt < 6; attempt++) {
        const wrong = await signIn(`wrong-${attempt}`, { ip: stranger });
        delays.push(Number(wrong.headers.get("Retry-After")));
        clock.advance(delays.at(-1)!);
      }
      expect(delays).toEqual([1, 2, 4, 8, 16, 32]);
      expect((await signIn("z".repeat(64), { ip: stranger })).headers.get("Retry-After")).toBe("64");
      const held = await signIn(TEST_SHARED_SECRET, { ip: stranger });
      expect(held.status).toBe(429);
      expect(held.headers.get("Retry-After")).toBe("64");
      expect((await signIn(TEST_SHARED_SECRET, { ip: clientAddress() })).status).toBe(200);
      // Requests that name no address (the edge always names one) share a bucket whose delay stops at 10 s.
      expect(await burst(BASE_URL, clock)).toEqual([1, 2, 4, 8, 10, 10, 10, 10]);
      expect((await signIn(TEST_SHARED_SECRET, { ip: null })).status).toBe(200);
    } finally {
      clock.restore();
    }
  });

  it("refuses a sign-in posted from another origin, or with no Origin", async () => {
    expect((await signIn(TEST_SHARED_SECRET, { origin: "https://evil.example" })).status).toBe(403);
    const noOrigin = await consoleCall("/console/api/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": clientAddress() },
      body: JSON.stringify({ secret: TEST_SHARED_SECRET })
    });
    expect(noOrigin.status).toBe(403);
  });

  it("needs the cookie on every API route, and sign-out ends it", async () => {
    for (const path of ["/me", "/analyses", "/events", `/analyses/${"a".repeat(32)}.${"b".repeat(16)}`]) {
      expect((await consoleCall(`/console/api${path}`)).status, path).toBe(401);
    }
    expect((await api("/me", `__Host-console=${"0".repeat(64)}`)).status).toBe(401);
    const session = await cookie();
    expect((await api("/me", session)).status).toBe(200);
    const out = await api("/sign-out", session, { method: "POST" });
    expect(out.status).toBe(200);
    expect(out.headers.get("Set-Cookie")).toMatch(/^__Host-console=; .*Max-Age=0/);
    expect((await api("/me", session)).status).toBe(401);
  });

  it("refuses a token the server did not issue, even one the console object would know", async () => {
    const issued = (await cookie()).split("=")[1]!;
    const flipped = issued.slice(0, -1) + (issued.endsWith("0") ? "1" : "0");
    const random = "0".repeat(64);
    for (const forged of [random, `${random}${"0".repeat(64)}`, flipped]) {
      // Its hash stored as a session: only the Worker's MAC check can refuse it.
      await consoleObject(env).createSession(await tokenHash(forged), Date.now() + 60_000);
      expect((await api("/me", `__Host-console=${forged}`)).status, forged).toBe(401);
    }
    expect((await api("/me", `__Host-console=${issued}`)).status).toBe(200);
    expect(issued).toMatch(/^[0-9a-f]{128}$/);
  });

  it("sign-out ends the event stream the sign-in opened", async () => {
    const session = await cookie();
    const reader = new SseReader((await api("/events", session)).body!);
    expect((await reader.nextEvent()).event).toBe("analyses");
    expect((await api("/sign-out", session, { method: "POST" })).status).toBe(200);
    await expect(reader.next(3_000)).rejects.toThrow("SSE stream ended");
  });

  it("refuses requests another site makes with the cookie (CSRF)", async () => {
    const session = await cookie();
    const crossOrigin = await api("/analyses", session, { headers: { Origin: "https://evil.example" } });
    expect(crossOrigin.status).toBe(403);
    const crossSite = await api("/analyses", session, { headers: { "Sec-Fetch-Site": "cross-site" } });
    expect(crossSite.status).toBe(403);
    const post = await consoleCall("/console/api/analyses", {
      method: "POST",
      headers: { Cookie: session, "Content-Type": "application/json" },
      body: JSON.stringify({ kind: "answer", videoUrl: YOUTUBE })
    });
    expect(post.status).toBe(403);
    expect((await api("/analyses", session, { headers: { "Sec-Fetch-Site": "same-origin" } })).status).toBe(200);
  });
});

describe("the console's analyses", () => {
  it("lists an analysis a session-less /rpc call started, and streams its changes", async () => {
    const session = await cookie();
    const events = await api("/events", session);
    expect(events.headers.get("Content-Type")).toBe("text/event-stream");
    const reader = new SseReader(events.body!);
    const first = await reader.next();
    expect(first).toMatchObject({ type: "event", event: "analyses" });

    const rpc = await postJson("/rpc", {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "startVideoAnalysis", arguments: { videoUrl: YOUTUBE, prompt: "What is sung?" } }
    });
    const { result } = (await rpc.json()) as { result: { structuredContent: { jobId: string } } };
    const { jobId } = result.structuredContent;

    const states: string[] = [];
    for (;;) {
      const frame = await reader.next();
      if (frame.type !== "event" || frame.event !== "analysis") continue;
      const entry = JSON.parse(frame.data) as Entry;
      if (entry.id !== jobId) continue;
      states.push(entry.state);
      if (entry.state === "done") break;
    }
    expect(states.at(-1)).toBe("done");
    expect(states.length).toBeGreaterThanOrEqual(2);
    await reader.cancel();

    const list = (await (await api("/analyses", session)).json()) as Entry[];
    expect(list[0]).toMatchObject({ id: jobId, state: "done", tool: "analyzeRemoteVideo", videoUrl: YOUTUBE, percent: 100 });
    const done = await record(session, jobId);
    expect(done).toMatchObject({
      input: { prompt: "What is sung?", videoUrl: YOUTUBE },
      answer: { kind: "text", text: "The video shows a cat at 00:05 and a dog at 01:10." },
      usage: { outputTokens: expect.any(Number) }
    });
  });

  it("starts a transcript from the form, shows it, and downloads it as .srt, .vtt, .txt and .json", async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: [JSON.stringify(TRANSCRIPT)] });
    const session = await cookie();
    const id = await start(session, { kind: "transcript", videoUrl: YOUTUBE, fps: "", startOffset: "" });
    const done = await until(
      () => record(session, id),
      (value) => value.state === "done"
    );
    expect(done).toMatchObject({ tool: "transcribeVideo", answer: { kind: "transcript", transcript: TRANSCRIPT } });
    expect(done.countedTokens).toEqual(expect.any(Number));

    const srt = await api(`/analyses/${id}/transcript.srt`, session);
    expect(srt.headers.get("Content-Type")).toBe("application/x-subrip; charset=utf-8");
    expect(srt.headers.get("Content-Disposition")).toMatch(/^attachment; filename="transcript-[0-9a-f]{16}\.srt"$/);
    expect(new TextDecoder().decode(await srt.arrayBuffer())).toBe(
      [
        "1\n00:00:00,000 --> 00:00:04,000\nSpeaker 1: Hello and welcome.\n",
        "2\n00:00:04,000 --> 00:01:02,000\nSpeaker 2: Thanks -> for having me.\n",
        "3\n00:01:02,000 --> 00:01:07,000\nSpeaker 1: Goodbye.\n"
      ].join("\n")
    );
    const vtt = await (await api(`/analyses/${id}/transcript.vtt`, session)).text();
    expect(vtt).toMatch(/^WEBVTT\n\n00:00:00\.000 --> 00:00:04\.000\nSpeaker 1: Hello and welcome\.\n/);
    const txt = await (await api(`/analyses/${id}/transcript.txt`, session)).text();
    expect(txt).toBe(
      "[00:00] Speaker 1: Hello and welcome.\n[00:04] Speaker 2: Thanks --> for having me.\n[01:02] Speaker 1: Goodbye.\n"
    );
    expect(await (await api(`/analyses/${id}/transcript.json`, session)).json()).toEqual(TRANSCRIPT);
    expect((await consoleCall(`/console/api/analyses/${id}/transcript.srt`)).status).toBe(401);
  });

  it("answers 409 for the transcript of an analysis that has none", async () => {
    const session = await cookie();
    const id = await start(session, { kind: "answer", videoUrl: YOUTUBE, prompt: "Who sings?" });
    await until(
      () => record(session, id),
      (value) => value.state === "done"
    );
    expect((await api(`/analyses/${id}/transcript.srt`, session)).status).toBe(409);
  });

  it("refuses the form with the tools' own messages, field by field", async () => {
    const session = await cookie();
    const form = { kind: "answer", videoUrl: "not a url", fps: "30", mediaResolution: "ultra" };
    const response = await api("/analyses", session, { method: "POST", body: JSON.stringify(form) });
    expect(response.status).toBe(400);
    const { problems } = (await response.json()) as { problems: { field?: string; message: string }[] };
    const rpc = await postJson("/rpc", {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "startVideoAnalysis", arguments: { videoUrl: "not a url", fps: 30, mediaResolution: "ultra" } }
    });
    const { result } = (await rpc.json()) as { result: { content: { text: string }[] } };
    const toolText = result.content[0]!.text;
    expect(new Set(problems.map((problem) => problem.field))).toEqual(new Set(["videoUrl", "fps", "mediaResolution"]));
    for (const { message } of problems) expect(toolText).toContain(message);

    const clip = await api("/analyses", session, {
      method: "POST",
      body: JSON.stringify({ kind: "answer", videoUrl: YOUTUBE, startOffset: "1:00", endOffset: "30" })
    });
    expect(await clip.json()).toEqual({ problems: [{ message: "endOffset (30 s) must come after startOffset (60 s)." }] });
  });

  it("submits a batch-priority analysis through Gemini's Batch API", async () => {
    const session = await cookie();
    fakes.gemini.batches.enqueue({ pollsPending: 1000 });
    const id = await start(session, { kind: "answer", videoUrl: YOUTUBE, prompt: "Who sings?", priority: "batch" });
    const queued = await until(
      () => record(session, id),
      (value) => /^queued in Gemini's batch/.test(String(value.message))
    );
    expect(queued.state).toBe("generating");
    expect(fakes.gemini.requests.filter((request) => request.path.endsWith(":batchGenerateContent"))).toHaveLength(1);
    expect(fakes.gemini.generateRequests()).toEqual([]);
  });

  it("cancels a running analysis in the session object that runs it", async () => {
    const session = await cookie();
    const videoUrl = fakes.videos.add("/slow.mp4", { size: 4 * 1024 * 1024, delayMsPerBlock: 200 });
    const id = await start(session, { kind: "answer", videoUrl });
    await until(
      () => record(session, id),
      (value) => value.state === "uploading"
    );
    const cancelled = await api(`/analyses/${id}/cancel`, session, { method: "POST" });
    expect(cancelled.status).toBe(200);
    const final = await until(
      () => record(session, id),
      (value) => value.state === "cancelled"
    );
    expect(final.error).toBe("Cancelled: cancelled from the console");
  });

  it("cancel repairs an index that missed the analysis's final report", async () => {
    const session = await cookie();
    const id = await start(session, { kind: "answer", videoUrl: YOUTUBE, prompt: "Who sings?" });
    const done = await until(
      () => record(session, id),
      (value) => value.state === "done"
    );
    // What a lost final report leaves: the index still showing the analysis running.
    await runInDurableObject(consoleObject(env), (_instance, state) => {
      state.storage.sql.exec(
        `UPDATE console_analyses SET state = 'generating', updated_at = ?, job = json_set(job, '$.state', 'generating', '$.updatedAt', ?)
         WHERE id = ?`,
        done.updatedAt - 1,
        done.updatedAt - 1,
        id
      );
    });
    expect((await record(session, id)).state).toBe("generating");
    const cancelled = await api(`/analyses/${id}/cancel`, session, { method: "POST" });
    expect(await cancelled.json()).toMatchObject({ id, state: "done" });
    expect((await record(session, id)).state).toBe("done");
  });

  it("answers 404 for an analysis it does not know", async () => {
    const session = await cookie();
    const id = `${"a".repeat(32)}.${"b".repeat(16)}`;
    expect((await api(`/analyses/${id}`, session)).status).toBe(404);
    expect((await api(`/analyses/${id}/cancel`, session, { method: "POST" })).status).toBe(404);
  });
});
