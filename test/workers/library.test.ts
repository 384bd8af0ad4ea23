/**
 * The library of finished analyses (`LibraryDO`): what a finished analysis
 * leaves in it, search ranked by bm25 with highlights and times, Japanese
 * two- and three-character words, links that open the video at the hit,
 * deletion that leaves nothing in FTS5's shadow tables, retention, and the
 * tools `searchVideos` and `askAcrossVideos` through real clients in both
 * MCP eras and over `/rpc`.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIBRARY_RETENTION_DAYS } from "../../src/config";
import type { DoneJob } from "../../src/jobs/job";
import { documentOf, type LibraryDocument, type Passage } from "../../src/library/library-document";
import { libraryObject } from "../../src/library/library-reporter";
import { MATCH_END, MATCH_START, RANK_LIMIT } from "../../src/library/library-search";
import { useFakes } from "./support/fetch-spy";
import { AUTH, BASE_URL, postJson } from "./support/http";
import { jobRecord } from "./support/job-record";
import { expectValidToolResult } from "./support/output-schemas";
import { connectSdkClient } from "./support/sdk-client";
import type { ToolResult } from "./support/session-calls";

const fakes = useFakes();
const DAY_MS = 86_400_000;
let nextJob = 0;

/** A finished analysis as the library is given it. */
function libraryDoc(changes: Partial<LibraryDocument> & { passages: Passage[] }): LibraryDocument {
  nextJob += 1;
  const id = `${crypto.randomUUID().replaceAll("-", "")}.${nextJob.toString(16).padStart(16, "0")}`;
  return {
    analysisId: id,
    videoUrl: `https://videos.example/${id}.mp4`,
    videoKey: `https://videos.example/${id}.mp4`,
    youTubeId: null,
    uploadName: null,
    format: "transcript",
    followUp: false,
    prompt: "Transcribe the video.",
    model: "gemini-test-flash",
    answer: "{}",
    title: null,
    durationSeconds: 600,
    usage: null,
    costUsd: null,
    createdAt: Date.now() - 60_000,
    finishedAt: Date.now(),
    ...changes
  };
}

function segment(startSeconds: number, text: string, speaker = "Speaker 1"): Passage {
  return { kind: "segment", text, startSeconds, speaker };
}

/** A library object of its own, for tests that read its tables. */
function ownLibrary() {
  return env.LIBRARY.get(env.LIBRARY.idFromName(`library-test-${crypto.randomUUID()}`));
}

let rpcId = 1;
/** A session-less `/rpc` tool call, its result checked against the tool's outputSchema. */
async function rpcTool(name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const response = await postJson("/rpc", {
    jsonrpc: "2.0",
    id: rpcId++,
    method: "tools/call",
    params: { name, arguments: args }
  });
  const body = (await response.json()) as { result?: ToolResult };
  if (!body.result) throw new Error(`tools/call ${name} failed: ${JSON.stringify(body)}`);
  await expectValidToolResult(name, body.result);
  return body.result;
}

type Hit = { analysisId: string; kind: string; time: string | null; snippet: string; link: string; speaker: string | null };

function hitsOf(result: ToolResult): Hit[] {
  return (result.structuredContent as { hits: Hit[] }).hits;
}

describe("LibraryDO search", () => {
  it("ranks the passage that says the words most, and marks each match", async () => {
    const library = ownLibrary();
    const once = libraryDoc({
      passages: [segment(10, "Long ago we spoke about many things, and the migration plan came up once among them all.")]
    });
    const twice = libraryDoc({
      passages: [segment(95, "The migration plan: the migration plan is ready.")]
    });
    await library.add(once);
    await library.add(twice);
    const answer = await library.search("migration plan", { limit: 10 });
    if (!("hits" in answer)) throw new Error(answer.refused);
    expect(answer.hits.map((hit) => hit.analysis.analysisId)).toEqual([twice.analysisId, once.analysisId]);
    expect(answer.hits[0]!.score).toBeLessThan(answer.hits[1]!.score);
    expect(answer.hits[0]!.snippet).toBe(
      `The ${MATCH_START}migration${MATCH_END} ${MATCH_START}plan${MATCH_END}: the ${MATCH_START}migration${MATCH_END} ${MATCH_START}plan${MATCH_END} is ready.`
    );
    expect(answer.hits[0]).toMatchObject({ kind: "segment", startSeconds: 95, speaker: "Speaker 1" });
  });

  it("answers a query in a spaced script from the word index: whole words, diacritics and case aside, two-letter words too", async () => {
    const library = ownLibrary();
    const doc = libraryDoc({ passages: [segment(4, "Le CAFÉ ouvre; AI planning starts."), segment(8, "The planet turns.")] });
    await library.add(doc);
    const cafe = await library.search("cafe", { limit: 10 });
    expect("hits" in cafe && cafe.hits.map((hit) => hit.startSeconds)).toEqual([4]);
    const ai = await library.search("ai", { limit: 10 });
    expect("hits" in ai && ai.hits.map((hit) => hit.startSeconds)).toEqual([4]);
    expect("hits" in ai && ai.hits[0]!.snippet).toBe(`Le CAFÉ ouvre; ${MATCH_START}AI${MATCH_END} planning starts.`);
    const plan = await library.search("plan", { limit: 10 });
    expect(plan).toEqual({ hits: [] });
  });

  it("wants every term: a passage with one of two words is not a hit", async () => {
    const library = ownLibrary();
    await library.add(libraryDoc({ passages: [segment(0, "budget only")] }));
    const answer = await library.search("budget forecast", { limit: 10 });
    expect(answer).toEqual({ hits: [] });
  });

  it("finds Japanese words of three characters and of two, also at the end of a passage, and refuses one character", async () => {
    const library = ownLibrary();
    const doc = libraryDoc({
      passages: [segment(750, "今日の会議は長かった。"), segment(800, "明日も会議"), segment(900, "議題はありません")]
    });
    await library.add(doc);
    const three = await library.search("会議は", { limit: 10 });
    if (!("hits" in three)) throw new Error(three.refused);
    expect(three.hits.map((hit) => hit.startSeconds)).toEqual([750]);
    expect(three.hits[0]!.snippet).toBe(`今日の${MATCH_START}会議は${MATCH_END}長かった。`);
    const two = await library.search("会議", { limit: 10 });
    if (!("hits" in two)) throw new Error(two.refused);
    expect(two.hits.map((hit) => hit.startSeconds).sort()).toEqual([750, 800]);
    expect(two.hits.find((hit) => hit.startSeconds === 750)!.snippet).toBe(`今日の${MATCH_START}会議${MATCH_END}は長かった。`);
    const withAnother = await library.search("議題 あり", { limit: 10 });
    if (!("hits" in withAnother)) throw new Error(withAnother.refused);
    expect(withAnother.hits.map((hit) => hit.startSeconds)).toEqual([900]);
    expect(await library.search("会", { limit: 10 })).toEqual({
      refused: "Search for words of two characters or more (a single character would match nearly everything)."
    });
  });

  it(`answers a query that more than RANK_LIMIT (${RANK_LIMIT}) passages match newest first, not by bm25`, async () => {
    const library = ownLibrary();
    const many = libraryDoc({
      passages: Array.from({ length: RANK_LIMIT + 1 }, (_, index) => segment(index, `common ground ${index}`))
    });
    // bm25 would put this long passage last; newest first puts it first.
    const newest = libraryDoc({
      passages: [segment(1, `common ground, said once in a long passage ${"with many other words ".repeat(20)}`)]
    });
    await library.add(many);
    await library.add(newest);
    const answer = await library.search("common ground", { limit: 3 });
    if (!("hits" in answer)) throw new Error(answer.refused);
    expect(answer.hits.map((hit) => hit.analysis.analysisId)).toEqual([newest.analysisId, many.analysisId, many.analysisId]);
    expect(answer.hits.map((hit) => hit.startSeconds)).toEqual([1, RANK_LIMIT, RANK_LIMIT - 1]);
  }, 60_000);

  it("keeps what an analysis cost and the name an uploaded file was given", async () => {
    const library = ownLibrary();
    const uploadId = "a".repeat(32);
    const job = jobRecord({
      id: `${crypto.randomUUID().replaceAll("-", "")}.${"1".padStart(16, "0")}`,
      state: "done",
      input: {
        videoUrl: `upload:${uploadId}`,
        source: { kind: "upload", url: `upload:${uploadId}`, uploadId },
        prompt: "Transcribe the video.",
        model: "gemini-3-flash-preview",
        format: "transcript"
      },
      text: JSON.stringify({ language: "en", segments: [{ start: "00:04", speaker: "Ann", text: "The board meets." }] }),
      details: { costUsd: 0.0123, uploadName: "board-meeting.mp4", durationSeconds: 60 },
      createdAt: Date.now() - 60_000,
      updatedAt: Date.now()
    }) as DoneJob;
    await library.add(documentOf(job));
    expect(await library.get(job.id)).toMatchObject({ costUsd: 0.0123, uploadName: "board-meeting.mp4" });
  });

  it("deletes an analysis so that nothing of it is left, FTS5's shadow tables included", async () => {
    const library = ownLibrary();
    // U+A66E occurs in nothing else indexed here, so its UTF-8 bytes in an index page can only be the deleted text's.
    const gone = libraryDoc({ passages: [segment(5, "ꙮꙮꙮꙮ the multiocular o")] });
    const kept = libraryDoc({ passages: [segment(6, "the plain letter o")] });
    await library.add(gone);
    await library.add(kept);
    const marker = [...new TextEncoder().encode("ꙮ")].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    const shadowHolds = () =>
      runInDurableObject(library, (_instance, state) => {
        const blocks = ["library_fts", "library_words"].flatMap((index) => [
          ...state.storage.sql.exec<{ block: ArrayBuffer }>(`SELECT block FROM ${index}_data`).toArray(),
          ...state.storage.sql.exec<{ block: ArrayBuffer }>(`SELECT term AS block FROM ${index}_idx`).toArray()
        ]);
        const hex = blocks.map(({ block }) =>
          typeof block === "string"
            ? [...new TextEncoder().encode(block)].map((byte) => byte.toString(16).padStart(2, "0")).join("")
            : [...new Uint8Array(block)].map((byte) => byte.toString(16).padStart(2, "0")).join("")
        );
        return hex.some((bytes) => bytes.includes(marker));
      });
    expect(await shadowHolds()).toBe(true);
    expect(await library.remove(gone.analysisId)).toBe(true);
    expect(await shadowHolds()).toBe(false);
    expect(await library.search("ꙮꙮꙮ", { limit: 10 })).toEqual({ hits: [] });
    expect(await library.get(gone.analysisId)).toBeUndefined();
    const rows = await runInDurableObject(library, (_instance, state) => ({
      passages: state.storage.sql.exec("SELECT count(*) AS n FROM library_passages WHERE analysis_id = ?", gone.analysisId).one(),
      docsize: state.storage.sql.exec("SELECT count(*) AS n FROM library_fts_docsize").one(),
      wordsDocsize: state.storage.sql.exec("SELECT count(*) AS n FROM library_words_docsize").one(),
      integrity: state.storage.sql.exec("INSERT INTO library_fts (library_fts, rank) VALUES ('integrity-check', 1)").toArray()
    }));
    expect(rows.passages).toEqual({ n: 0 });
    expect(rows.docsize).toEqual({ n: 1 });
    expect(rows.wordsDocsize).toEqual({ n: 1 });
    const still = await library.search("plain letter", { limit: 10 });
    expect("hits" in still && still.hits.map((hit) => hit.analysis.analysisId)).toEqual([kept.analysisId]);
  });

  it("deletes everything about a video at once", async () => {
    const library = ownLibrary();
    const video = "https://videos.example/talk.mp4";
    const first = libraryDoc({ videoUrl: video, videoKey: video, passages: [segment(1, "quarterly numbers")] });
    const second = libraryDoc({ videoUrl: video, videoKey: video, passages: [segment(2, "quarterly review")] });
    const other = libraryDoc({ passages: [segment(3, "quarterly outlook")] });
    for (const doc of [first, second, other]) await library.add(doc);
    expect(await library.removeVideo(video)).toBe(2);
    const answer = await library.search("quarterly", { limit: 10 });
    expect("hits" in answer && answer.hits.map((hit) => hit.analysis.analysisId)).toEqual([other.analysisId]);
  });

  it(`keeps an analysis LIBRARY_RETENTION_DAYS (${DEFAULT_LIBRARY_RETENTION_DAYS}) after it finished, then its alarm deletes it`, async () => {
    const library = ownLibrary();
    const now = Date.now();
    const old = libraryDoc({
      finishedAt: now - (DEFAULT_LIBRARY_RETENTION_DAYS * DAY_MS + 60_000),
      passages: [segment(1, "retention probe")]
    });
    const young = libraryDoc({ finishedAt: now - DAY_MS, passages: [segment(2, "retention probe")] });
    await library.add(old);
    await library.add(young);
    const before = await library.search("retention probe", { limit: 10 });
    expect("hits" in before && before.hits.map((hit) => hit.analysis.analysisId)).toEqual([young.analysisId]);
    expect(await runDurableObjectAlarm(library)).toBe(true);
    const left = await runInDurableObject(library, async (_instance, state) => ({
      ids: state.storage.sql
        .exec<{ id: string }>("SELECT id FROM library_analyses")
        .toArray()
        .map((row) => row.id),
      alarm: await state.storage.getAlarm()
    }));
    expect(left.ids).toEqual([young.analysisId]);
    expect(left.alarm).toBe(young.finishedAt + DEFAULT_LIBRARY_RETENTION_DAYS * DAY_MS);
  });
});

describe("searchVideos", () => {
  it("a finished transcript is in the library: its segment is found with its time and a YouTube link at that time", async () => {
    const word = `zephyrine${crypto.randomUUID().slice(0, 8)}`;
    fakes.gemini.enqueue({
      kind: "answer",
      chunks: [
        JSON.stringify({
          language: "en",
          segments: [
            { start: "00:03", speaker: "Ann", text: "Welcome everyone." },
            { start: "12:30", speaker: "Ben", text: `The ${word} migration starts in May.` }
          ]
        })
      ]
    });
    const done = await rpcTool("transcribeVideo", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" });
    expect(done.isError).toBeUndefined();
    let hits: Hit[] = [];
    for (let attempt = 0; attempt < 50 && hits.length === 0; attempt += 1) {
      hits = hitsOf(await rpcTool("searchVideos", { query: word }));
      if (hits.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      kind: "segment",
      time: "12:30",
      speaker: "Ben",
      snippet: `The **${word}** migration starts in May.`,
      link: "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=750s"
    });
  });

  it("finds a finished summary's chapter at the chapter's start, and an answer's paragraph at the time it names", async () => {
    const word = `wombat${crypto.randomUUID().slice(0, 8)}`;
    fakes.gemini.enqueue({
      kind: "answer",
      chunks: [
        JSON.stringify({
          title: "Marsupials",
          summary: "Animals of Australia.",
          chapters: [
            { start: "00:00", end: "02:00", title: "Kangaroos", summary: "They hop." },
            { start: "02:00", end: "05:30", title: `The ${word}`, summary: "It digs burrows." }
          ]
        })
      ]
    });
    expect((await rpcTool("summarizeVideo", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" })).isError).toBeUndefined();
    fakes.gemini.enqueue({
      kind: "answer",
      chunks: [`An overview of the film.\n\n[03:05] The ${word} appears at the burrow.\n\nThen it rains.`]
    });
    expect(
      (await rpcTool("analyzeRemoteVideo", { videoUrl: "https://youtu.be/dQw4w9WgXcQ", prompt: "What happens?" })).isError
    ).toBeUndefined();
    let hits: Hit[] = [];
    for (let attempt = 0; attempt < 50 && hits.length < 2; attempt += 1) {
      hits = hitsOf(await rpcTool("searchVideos", { query: word }));
      if (hits.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(hits.map((hit) => [hit.kind, hit.time, hit.link]).sort()).toEqual([
      ["answer", "03:05", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=185s"],
      ["chapter", "02:00", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=120s"]
    ]);
  });

  it("links a video that is not on YouTube to the console's page of the analysis at the time", async () => {
    const word = `quillwort${crypto.randomUUID().slice(0, 8)}`;
    const doc = libraryDoc({ passages: [segment(3723, `We planted ${word} by the pond.`)] });
    await libraryObject(env).add(doc);
    const [hit] = hitsOf(await rpcTool("searchVideos", { query: word }));
    expect(hit).toMatchObject({ time: "1:02:03", link: `${BASE_URL}/#/library/${doc.analysisId}?t=3723` });
  });

  it("filters by video, answers in a 2025-era session and in the 2026 era alike, and refuses a one-character query", async () => {
    const word = `marram${crypto.randomUUID().slice(0, 8)}`;
    const a = libraryDoc({ passages: [segment(1, `${word} grass one`)] });
    const b = libraryDoc({ passages: [segment(2, `${word} grass two`)] });
    await libraryObject(env).add(a);
    await libraryObject(env).add(b);
    const { client } = await connectSdkClient("library-2025");
    const session = await client.callTool({ name: "searchVideos", arguments: { query: word, video: a.videoUrl } });
    expect((session.structuredContent as { hits: Hit[] }).hits.map((hit) => hit.analysisId)).toEqual([a.analysisId]);

    const transport = new StreamableHTTPClientTransport(new URL("/mcp", BASE_URL), {
      fetch: (input, init) => exports.default.fetch(new Request(input, init)),
      requestInit: { headers: AUTH }
    });
    const modern = new Client({ name: "library-2026", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
    await modern.connect(transport);
    try {
      const found = await modern.callTool({ name: "searchVideos", arguments: { query: `"${word} grass"`, limit: 5 } });
      expect((found.structuredContent as { hits: Hit[] }).hits.map((hit) => hit.analysisId).sort()).toEqual(
        [a.analysisId, b.analysisId].sort()
      );
    } finally {
      await modern.close();
    }
    const refused = await rpcTool("searchVideos", { query: "x" });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toContain("two characters or more");
  });
});

describe("askAcrossVideos", () => {
  it("answers from passages of two videos in one text-only Gemini call, citing each video and time", async () => {
    const word = `kelpforest${crypto.randomUUID().slice(0, 8)}`;
    const first = libraryDoc({
      youTubeId: "dQw4w9WgXcQ",
      videoUrl: "https://youtu.be/dQw4w9WgXcQ",
      videoKey: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
      passages: [segment(75, `The ${word} survey begins at dawn.`, "Ann")]
    });
    const second = libraryDoc({ passages: [segment(750, `Divers counted the ${word} urchins.`, "Ben")] });
    await libraryObject(env).add(first);
    await libraryObject(env).add(second);
    fakes.gemini.enqueue({
      kind: "answer",
      chunks: ["The survey begins at dawn [Video 1, 01:15]; divers counted urchins [Video 2, 12:30]."]
    });
    const result = await rpcTool("askAcrossVideos", { question: `What happened in the ${word}?` });
    expect(result.isError).toBeUndefined();
    const out = result.structuredContent as {
      found: boolean;
      answer: string;
      videos: { label: string; videoUrl: string }[];
      passages: { label: string; link: string }[];
    };
    expect(out.found).toBe(true);
    expect(out.answer).toContain("[Video 2, 12:30]");
    expect(out.videos.map((video) => video.videoUrl).sort()).toEqual([first.videoUrl, second.videoUrl].sort());
    expect(out.passages.map((passage) => passage.link).sort()).toEqual(
      [`${BASE_URL}/#/library/${second.analysisId}?t=750`, "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=75s"].sort()
    );
    const requests = fakes.gemini.generateRequests();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.path).toMatch(/:generateContent$/);
    const body = requests[0]!.body as {
      contents: { parts: { text?: string; fileData?: unknown }[] }[];
      systemInstruction: unknown;
    };
    const parts = body.contents.flatMap((content) => content.parts);
    expect(parts.every((part) => part.fileData === undefined)).toBe(true);
    const prompt = parts.map((part) => part.text).join("");
    const label = (url: string) => out.videos.find((video) => video.videoUrl === url)!.label;
    expect(prompt).toContain(`[${label(first.videoUrl)}, 01:15] (segment, Ann) The ${word} survey begins at dawn.`);
    expect(prompt).toContain(`[${label(second.videoUrl)}, 12:30] (segment, Ben) Divers counted the ${word} urchins.`);
    expect(prompt).toContain(`Question: What happened in the ${word}?`);
    expect(JSON.stringify(body.systemInstruction)).toContain("Cite every claim with its video and time");
  });

  it("finds the passages for a Japanese question by its two-character words", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const doc = libraryDoc({
      passages: [segment(90, `明日の会議で予算を決めます。${tag}`, "佐藤"), segment(95, `天気は晴れです。${tag}`)]
    });
    await libraryObject(env).add(doc);
    fakes.gemini.enqueue({ kind: "answer", chunks: ["明日の会議で予算を決めます [Video 1, 01:30]。"] });
    const result = await rpcTool("askAcrossVideos", { question: "予算はいつ決定？", video: doc.videoUrl });
    const out = result.structuredContent as { found: boolean; passages: { time: string; snippet: string }[] };
    expect(out.found).toBe(true);
    expect(out.passages[0]).toMatchObject({ time: "01:30" });
    expect(out.passages[0]!.snippet).toContain("**予算**");
  });

  it("says nothing relevant was found, without asking Gemini, when the search finds nothing", async () => {
    const result = await rpcTool("askAcrossVideos", { question: `Who mentioned ${crypto.randomUUID().replaceAll("-", "")}?` });
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toMatchObject({ found: false, videos: [], passages: [] });
    expect(result.content[0]!.text).toContain("Nothing relevant was found");
    expect(fakes.gemini.generateRequests()).toHaveLength(0);
  });
});
