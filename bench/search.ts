/**
 * `npm run bench:search`: the library's search (`LibraryDO`, SQLite FTS5
 * with the trigram tokenizer) over generated transcripts. Builds a library
 * of `--hours` of speech (default 500: one analysis an hour, a segment every
 * 6 s, so 300,000 segments; about 14 words each, from a Zipf-distributed
 * vocabulary of made-up words spelled at English letter frequencies, one
 * segment in ten in Japanese), then times `--queries`
 * searches each of one, two and three words (words that occur together in
 * a segment) and of two-character Japanese words, and reports p50/p95, the
 * indexing throughput and the database's size per indexed hour.
 *
 * The Durable Object runs in workerd through wrangler (loopback only, state
 * in a temporary directory deleted at the end); each search is timed from
 * this process, so its figure includes one loopback HTTP request and one
 * Durable Object RPC on top of the query itself.
 *
 *   npm run bench:search -- --hours 500 --queries 200
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { unstable_startWorker } from "wrangler";
import type { LibraryDocument, Passage } from "../src/library/library-document";
import { percentile } from "./support/stats";
import { seededRandom } from "../test/support/seeded-random";

const { values } = parseArgs({
  options: {
    hours: { type: "string", default: "500" },
    queries: { type: "string", default: "200" },
    json: { type: "string", default: join("bench", "results", "search.json") },
    /** Keep the Durable Object's state in this directory (not deleted), instead of a temporary one. */
    persist: { type: "string" }
  }
});
const HOURS = Math.max(1, Math.min(2000, Number(values.hours)));
const QUERIES = Math.max(10, Math.min(2000, Number(values.queries)));
const SEGMENT_SECONDS = 6;
const SEGMENTS_PER_HOUR = 3600 / SEGMENT_SECONDS;
/** Analyses sent per request while building. */
const DOCS_PER_REQUEST = 4;
/** No single request of the benchmark may take longer. */
const REQUEST_TIMEOUT_MS = 120_000;

/** Seeded, so every run builds the same library. */
const rand = seededRandom(27);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** English letters by how often they occur in English text (per 1,000 letters). */
const LETTER_WEIGHTS: [string, number][] = Object.entries({
  e: 127,
  t: 91,
  a: 82,
  o: 75,
  i: 70,
  n: 67,
  s: 63,
  h: 61,
  r: 60,
  d: 43,
  l: 40,
  c: 28,
  u: 28,
  m: 24,
  w: 24,
  f: 22,
  g: 20,
  y: 20,
  p: 19,
  b: 15,
  v: 10,
  k: 8,
  j: 2,
  x: 2,
  q: 1,
  z: 1
});
const LETTER_TOTAL = LETTER_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
function letter(next: () => number): string {
  let target = next() * LETTER_TOTAL;
  for (const [char, weight] of LETTER_WEIGHTS) {
    target -= weight;
    if (target < 0) return char;
  }
  return "e";
}
/** 20,000 made-up words of three to ten letters drawn at English letter frequencies (two-character terms are measured in Japanese). */
const WORDS = Array.from({ length: 20_000 }, (_, index) => {
  const local = seededRandom(index + 1);
  const length = 3 + Math.floor(local() * local() * 8);
  return Array.from({ length }, () => letter(local)).join("");
});
const KANJI = "会議資料予算計画移行開発運用設計品質確認報告課題対応顧客契約営業技術研究製品市場調査分析結果方針";
const KANA = "のはがをにでともへやから";
/** 2,000 Japanese words of two to four characters. */
const JAPANESE = Array.from({ length: 2_000 }, (_, index) => {
  const local = seededRandom(100_000 + index);
  const length = 2 + Math.floor(local() * 3);
  return Array.from({ length }, () => KANJI[Math.floor(local() * KANJI.length)]).join("");
});

/** A Zipf(1.1) rank sampler over `n` items, by inverting the cumulative weights. */
function zipf(n: number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= n; rank += 1) {
    total += 1 / rank ** 1.1;
    cumulative.push(total);
  }
  return () => {
    const target = rand() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}
const englishRank = zipf(WORDS.length);
const japaneseRank = zipf(JAPANESE.length);

function englishSentence(): string {
  const length = 8 + Math.floor(rand() * 13);
  return `${Array.from({ length }, () => WORDS[englishRank()]).join(" ")}.`;
}

function japaneseSentence(): string {
  const length = 4 + Math.floor(rand() * 6);
  return `${Array.from({ length }, () => JAPANESE[japaneseRank()] + pick([...KANA])).join("")}。`;
}

function hourOfSpeech(hour: number): LibraryDocument {
  const passages: Passage[] = Array.from({ length: SEGMENTS_PER_HOUR }, (_, index) => ({
    kind: "segment",
    text: rand() < 0.1 ? japaneseSentence() : englishSentence(),
    startSeconds: index * SEGMENT_SECONDS,
    endSeconds: (index + 1) * SEGMENT_SECONDS,
    speaker: `Speaker ${1 + Math.floor(rand() * 3)}`
  }));
  const id = `${hour.toString(16).padStart(32, "0")}.${"0".repeat(16)}`;
  return {
    analysisId: id,
    videoUrl: `https://videos.example/hour-${hour}.mp4`,
    videoKey: `https://videos.example/hour-${hour}.mp4`,
    youTubeId: null,
    uploadName: null,
    format: "transcript",
    followUp: false,
    prompt: "Transcribe the video.",
    model: "gemini-bench",
    answer: "{}",
    title: null,
    durationSeconds: 3600,
    usage: null,
    costUsd: null,
    createdAt: Date.now(),
    finishedAt: Date.now(),
    passages: [{ kind: "prompt", text: "Transcribe the video." }, ...passages]
  };
}

async function request(url: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Word sequences from segments the generator would make: words that do occur together. */
function queriesOf(words: number, count: number): string[] {
  return Array.from({ length: count }, () => {
    const sentence = englishSentence().slice(0, -1).split(" ");
    const start = Math.floor(rand() * (sentence.length - words));
    return sentence.slice(start, start + words).join(" ");
  });
}

// wrangler logs every request at info; the benchmark makes hundreds of thousands of rows' worth of them.
process.env.WRANGLER_LOG ??= "warn";
const persist = values.persist ?? mkdtempSync(join(tmpdir(), "library-bench-"));
const worker = await unstable_startWorker({
  config: join("bench", "search-worker", "wrangler.toml"),
  dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, watch: false, persist }
});
try {
  await worker.ready;
  const base = (await worker.url).toString().replace(/\/$/, "");

  const indexStarted = performance.now();
  const progressEvery = Math.max(1, Math.floor(HOURS / 10));
  for (let hour = 0; hour < HOURS; hour += DOCS_PER_REQUEST) {
    const docs = Array.from({ length: Math.min(DOCS_PER_REQUEST, HOURS - hour) }, (_, index) => hourOfSpeech(hour + index));
    await request(`${base}/add`, { method: "POST", body: JSON.stringify(docs), headers: { "Content-Type": "application/json" } });
    if (Math.floor((hour + DOCS_PER_REQUEST) / progressEvery) !== Math.floor(hour / progressEvery)) {
      const seconds = (performance.now() - indexStarted) / 1000;
      console.log(`indexed ${Math.min(hour + DOCS_PER_REQUEST, HOURS)} h in ${seconds.toFixed(1)} s`);
    }
  }
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  const { bytes } = (await request(`${base}/size`)) as { bytes: number };

  const sets: Record<string, string[]> = {
    "one word": queriesOf(1, QUERIES),
    "two words": queriesOf(2, QUERIES),
    "three words": queriesOf(3, QUERIES),
    "Japanese, two characters": Array.from({ length: QUERIES }, () => JAPANESE[japaneseRank()]!.slice(0, 2))
  };
  for (const query of queriesOf(1, 20)) await request(`${base}/search?q=${encodeURIComponent(query)}`);
  const latency: Record<string, { queries: number; p50Ms: number; p95Ms: number; maxMs: number; meanHits: number }> = {};
  // What a request costs without any search: loopback HTTP, the Worker, one RPC running `SELECT 1`.
  sets["baseline: SELECT 1, no search"] = Array.from({ length: QUERIES }, () => "");
  for (const [name, queries] of Object.entries(sets)) {
    const times: number[] = [];
    let hits = 0;
    for (const query of queries) {
      const url = query === "" ? `${base}/raw?q=SELECT%201` : `${base}/search?q=${encodeURIComponent(query)}`;
      const started = performance.now();
      const answer = (await request(url)) as { hits?: number; refused?: string };
      times.push(performance.now() - started);
      if (answer.refused) throw new Error(`"${query}" was refused: ${answer.refused}`);
      hits += answer.hits ?? 0;
    }
    const round = (ms: number) => Math.round(ms * 10) / 10;
    latency[name] = {
      queries: queries.length,
      p50Ms: round(percentile(times, 50)),
      p95Ms: round(percentile(times, 95)),
      maxMs: round(Math.max(...times)),
      meanHits: Math.round((hits / queries.length) * 10) / 10
    };
  }
  const segments = HOURS * SEGMENTS_PER_HOUR;
  const results = {
    hours: HOURS,
    segments,
    indexing: {
      seconds: Math.round(indexSeconds * 10) / 10,
      hoursPerSecond: Math.round((HOURS / indexSeconds) * 100) / 100,
      segmentsPerSecond: Math.round(segments / indexSeconds)
    },
    database: { bytes, bytesPerHour: Math.round(bytes / HOURS), megabytesPerHour: Math.round((bytes / HOURS / 1e6) * 100) / 100 },
    latency,
    targetP95Ms: 50
  };
  console.log(
    `\nSearch benchmark: ${HOURS} h, ${segments.toLocaleString("en-US")} segments; indexed in ${results.indexing.seconds} s (${results.indexing.segmentsPerSecond.toLocaleString("en-US")} segments/s); database ${(bytes / 1e6).toFixed(1)} MB (${results.database.megabytesPerHour} MB per hour)`
  );
  console.table(latency);
  mkdirSync(join("bench", "results"), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await worker.dispose();
  if (values.persist === undefined) rmSync(persist, { recursive: true, force: true });
}
