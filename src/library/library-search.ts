/**
 * Searching the library's index: a MATCH expression (see `library-query.ts`)
 * run over the passages, ranked by FTS5's bm25, each hit with its analysis,
 * its time in the video and a snippet around the first match. The index
 * ranks alone; only the passages shown are read and marked, here rather
 * than by FTS5's `highlight()`, which would evaluate the expression again
 * for each (a two-character term's is an OR of up to 200 trigrams), and
 * which would mark a trigram where a two-character word was asked.
 * @module
 */
import type { SqlTables } from "../storage/sql";
import type { PassageKind } from "./library-document";
import { type AnalysisRow, ENTRY_COLUMNS, entryOf, type LibraryEntry } from "./library-store";
import type { CompiledQuery, IndexTerms } from "./library-query";

/** Marks a match's start and end in a snippet (Unicode private-use characters, never in stored text). */
export const MATCH_START = "\uE000";
export const MATCH_END = "\uE001";
/** Characters of a snippet before its first match, and in all. */
export const SNIPPET_LEAD = 60;
export const SNIPPET_LENGTH = 220;

export interface LibraryHit {
  analysis: LibraryEntry;
  kind: PassageKind;
  /** Seconds from the video's start, for a passage that has a time. */
  startSeconds?: number;
  endSeconds?: number;
  speaker?: string;
  /** Text around the first match, each match between `MATCH_START` and `MATCH_END`. */
  snippet: string;
  /** The passage's whole text. */
  text: string;
  /** bm25: lower is better (0 for a query too common to rank; see `RANK_LIMIT`). */
  score: number;
}

export interface SearchOptions {
  limit: number;
  /** Only analyses of this video (its canonical URL, or the URL as given). */
  video?: string;
  now: number;
}

/** `text` cut to about `SNIPPET_LENGTH` characters around its first match, on word boundaries where there are any. */
export function snippetOf(text: string): string {
  const chars = Array.from(text.trim());
  if (chars.length <= SNIPPET_LENGTH) return chars.join("");
  const first = Math.max(0, chars.indexOf(MATCH_START));
  let start = Math.max(0, first - SNIPPET_LEAD);
  while (start > 0 && start > first - SNIPPET_LEAD - 15 && chars[start - 1] !== " ") start -= 1;
  let end = Math.min(chars.length, start + SNIPPET_LENGTH);
  while (end < chars.length && end < start + SNIPPET_LENGTH + 15 && chars[end] !== " ") end += 1;
  let cut = chars.slice(start, end).join("");
  // A match cut in two keeps its marks paired.
  if (cut.lastIndexOf(MATCH_START) > cut.lastIndexOf(MATCH_END)) cut += MATCH_END;
  if (cut.indexOf(MATCH_END) < cut.indexOf(MATCH_START) || (cut.includes(MATCH_END) && !cut.includes(MATCH_START))) {
    cut = MATCH_START + cut;
  }
  return `${start > 0 ? "…" : ""}${cut.trim()}${end < chars.length ? "…" : ""}`;
}

/** The index's vocabulary, read through its `fts5vocab` table (see `library-query.ts`). */
export function indexTerms(tables: SqlTables): IndexTerms {
  return {
    startingWith: (pair, limit) =>
      tables
        .query<{ term: string; doc: number }>(
          "SELECT term, doc FROM library_terms WHERE term >= ? AND term < ? ORDER BY doc DESC LIMIT ?",
          pair,
          `${pair}\u{10FFFF}`,
          limit
        )
        .map((row) => ({ term: row.term, passages: row.doc })),
    passagesWith: (trigram) =>
      tables.query<{ doc: number }>("SELECT doc FROM library_terms WHERE term = ?", trigram)[0]?.doc ?? 0,
    passagesWithWord: (word) =>
      tables.query<{ doc: number }>("SELECT doc FROM library_word_terms WHERE term = ?", word)[0]?.doc ?? 0
  };
}

type HitRow = AnalysisRow & {
  kind: string;
  start_seconds: number | null;
  end_seconds: number | null;
  speaker: string | null;
  body: string;
};

const ANALYSIS_COLUMNS = ENTRY_COLUMNS.split(", ")
  .map((column) => `a.${column}`)
  .join(", ");

/** How many more of the best passages than asked the first pass takes, so that a few left out still leave enough. */
const OVERFETCH = 2;
/**
 * Above this many matching passages (as the vocabulary bounds them), hits
 * come newest first instead of by bm25: ranking reads every match (bm25 of a
 * word in most passages takes longer than a search may, and says little),
 * while newest first stops after the first few.
 */
export const RANK_LIMIT = 10_000;

/** The matching passages' ids, best first: from the index alone, unless a filter needs the analyses' rows. */
function rankedIds(tables: SqlTables, query: CompiledQuery, options: SearchOptions): { id: number; score: number }[] {
  const { expression, index } = query;
  const order = query.bound > RANK_LIMIT ? "rowid DESC" : "rank";
  if (options.video === undefined) {
    // The index alone ranks (FTS5 sorts by rank without reading any other table); expired
    // analyses (gone at the next alarm) are left out after, from a few more than asked.
    const wanted = options.limit * OVERFETCH;
    const best = tables.query<{ id: number; score: number }>(
      `SELECT rowid AS id, ${order === "rank" ? "rank" : "0"} AS score FROM ${index} WHERE ${index} MATCH ? ORDER BY ${order} LIMIT ?`,
      expression,
      wanted
    );
    const live = liveIds(
      tables,
      best.map((row) => row.id),
      options.now
    );
    const kept = best.filter((row) => live.has(row.id));
    if (kept.length >= options.limit || best.length < wanted) return kept.slice(0, options.limit);
  }
  const video = options.video === undefined ? "" : "AND (a.video_key = ? OR a.video_url = ?)";
  return tables.query<{ id: number; score: number }>(
    `SELECT ${index}.rowid AS id, ${order === "rank" ? `${index}.rank` : "0"} AS score
     FROM ${index}
     JOIN library_passages p ON p.id = ${index}.rowid
     JOIN library_analyses a ON a.id = p.analysis_id
     WHERE ${index} MATCH ? AND a.expires_at > ? ${video}
     ORDER BY ${index}.${order}
     LIMIT ?`,
    expression,
    options.now,
    ...(options.video === undefined ? [] : [options.video, options.video]),
    options.limit
  );
}

/** Which of these passages belong to analyses still kept at `now`. */
function liveIds(tables: SqlTables, ids: number[], now: number): Set<number> {
  if (ids.length === 0) return new Set();
  const rows = tables.query<{ id: number }>(
    `SELECT p.id FROM library_passages p JOIN library_analyses a ON a.id = p.analysis_id
     WHERE p.id IN (${ids.map(() => "?").join(", ")}) AND a.expires_at > ?`,
    ...ids,
    now
  );
  return new Set(rows.map((row) => row.id));
}

/** `text` with every occurrence of each mark (ignoring case) between `MATCH_START` and `MATCH_END`; overlaps merged. */
export function markMatches(text: string, marks: readonly string[]): string {
  // Lower-cased one code unit at a time, so that positions in it are positions in `text`.
  const lower = Array.from(text, (char) => {
    const folded = char.toLowerCase();
    return folded.length === char.length ? folded : char;
  }).join("");
  const spans: [number, number][] = [];
  for (const mark of marks) {
    if (mark === "") continue;
    for (let at = lower.indexOf(mark); at !== -1; at = lower.indexOf(mark, at + 1)) spans.push([at, at + mark.length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of spans) {
    const previous = merged.at(-1);
    if (previous && start <= previous[1]) previous[1] = Math.max(previous[1], end);
    else merged.push([start, end]);
  }
  let marked = "";
  let last = 0;
  for (const [start, end] of merged) {
    marked += `${text.slice(last, start)}${MATCH_START}${text.slice(start, end)}${MATCH_END}`;
    last = end;
  }
  return marked + text.slice(last);
}

type PassageHitRow = HitRow & { passage_id: number };

/** The passages that match the query, best first. */
export function runSearch(tables: SqlTables, query: CompiledQuery, options: SearchOptions): LibraryHit[] {
  const ranked = rankedIds(tables, query, options);
  if (ranked.length === 0) return [];
  const rows = new Map(
    tables
      .query<PassageHitRow>(
        `SELECT ${ANALYSIS_COLUMNS}, p.id AS passage_id, p.kind, p.start_seconds, p.end_seconds, p.speaker, p.body
         FROM library_passages p JOIN library_analyses a ON a.id = p.analysis_id
         WHERE p.id IN (${ranked.map(() => "?").join(", ")})`,
        ...ranked.map((row) => row.id)
      )
      .map((row) => [row.passage_id, row])
  );
  return ranked.flatMap(({ id, score }) => {
    const row = rows.get(id);
    if (!row) return [];
    const text = row.body.trim();
    return [
      {
        analysis: entryOf(row),
        // SAFETY: the column's CHECK allows only PASSAGE_KINDS.
        kind: row.kind as PassageKind,
        ...(row.start_seconds !== null ? { startSeconds: row.start_seconds } : {}),
        ...(row.end_seconds !== null ? { endSeconds: row.end_seconds } : {}),
        ...(row.speaker !== null ? { speaker: row.speaker } : {}),
        snippet: snippetOf(markMatches(text, query.marks)),
        text,
        score
      }
    ];
  });
}
