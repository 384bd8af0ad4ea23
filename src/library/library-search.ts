/**
 * Searching the library's index: a MATCH expression (see `library-query.ts`)
 * run over the passages, ranked by FTS5's bm25, each hit with its analysis,
 * its time in the video and a snippet around the first match.
 * @module
 */
import type { SqlTables } from "../storage/sql";
import type { PassageKind } from "./library-document";
import { type AnalysisRow, ENTRY_COLUMNS, entryOf, type LibraryEntry } from "./library-store";
import { MAX_EXPANSIONS } from "./library-query";

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
  /** bm25: lower is better. */
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

/** The index's trigrams that start with `pair`, the most frequent first (see `library-query.ts`). */
export function trigramsStartingWith(tables: SqlTables, pair: string): string[] {
  return tables
    .query<{ term: string }>(
      "SELECT term FROM library_terms WHERE term >= ? AND term < ? ORDER BY doc DESC LIMIT ?",
      pair,
      `${pair}\u{10FFFF}`,
      MAX_EXPANSIONS
    )
    .map((row) => row.term);
}

type HitRow = AnalysisRow & {
  kind: string;
  start_seconds: number | null;
  end_seconds: number | null;
  speaker: string | null;
  marked: string;
  score: number;
};

const ANALYSIS_COLUMNS = ENTRY_COLUMNS.split(", ")
  .map((column) => `a.${column}`)
  .join(", ");

/** The passages that match `expression`, best first. */
export function runSearch(tables: SqlTables, expression: string, options: SearchOptions): LibraryHit[] {
  const video = options.video === undefined ? "" : "AND (a.video_key = ? OR a.video_url = ?)";
  const rows = tables.query<HitRow>(
    `SELECT ${ANALYSIS_COLUMNS}, p.kind, p.start_seconds, p.end_seconds, p.speaker,
       highlight(library_fts, 0, '${MATCH_START}', '${MATCH_END}') AS marked, library_fts.rank AS score
     FROM library_fts
     JOIN library_passages p ON p.id = library_fts.rowid
     JOIN library_analyses a ON a.id = p.analysis_id
     WHERE library_fts MATCH ? AND a.expires_at > ? ${video}
     ORDER BY library_fts.rank
     LIMIT ?`,
    expression,
    options.now,
    ...(options.video === undefined ? [] : [options.video, options.video]),
    options.limit
  );
  return rows.map((row) => ({
    analysis: entryOf(row),
    // SAFETY: the column's CHECK allows only PASSAGE_KINDS.
    kind: row.kind as PassageKind,
    ...(row.start_seconds !== null ? { startSeconds: row.start_seconds } : {}),
    ...(row.end_seconds !== null ? { endSeconds: row.end_seconds } : {}),
    ...(row.speaker !== null ? { speaker: row.speaker } : {}),
    snippet: snippetOf(row.marked),
    text: row.marked.replaceAll(MATCH_START, "").replaceAll(MATCH_END, "").trim(),
    score: row.score
  }));
}
