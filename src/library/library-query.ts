/**
 * A person's query as FTS5 reads it. A query written wholly in scripts
 * that put spaces between words (English, French, Russian…) is answered
 * from the word index (`unicode61`): each term is a whole word, or a phrase
 * of words, and a word's doclist is short even where its letters are
 * common. Any other query (Japanese, Chinese, Thai, or mixed) is answered
 * from the trigram index, FTS5's `trigram` tokenizer, which finds any
 * substring of three or more characters in any script but cannot match
 * fewer. So there each term is served by its length:
 *
 * - three characters or more: the term as a phrase (`"migration"`, `"会議室"`);
 * - two characters (`会議`, `AI`): every trigram of the index that starts
 *   with them, ORed (`"会議は" OR "会議の" OR …`), read from the index's own
 *   vocabulary (an `fts5vocab` table, by a range of terms). Every passage is
 *   stored with a trailing space, so a two-character word at a passage's
 *   end is the start of a trigram too;
 * - one character: refused, unless other terms carry the query; then it is
 *   dropped (it would match nearly everything).
 *
 * Terms are split at spaces; `"a quoted phrase"` is one term. A search wants
 * every term (AND); a question (`askAcrossVideos`) wants any (OR), with
 * common words left out and runs without spaces split into overlapping
 * character pairs (each served as above, by its 24 most frequent trigrams),
 * so a Japanese question finds passages that share some of its words; a
 * question is always ranked by bm25, however many passages match.
 * @module
 */
import { UserFacingError } from "../errors";
import type { LibraryIndex } from "./library-store";

/** The most trigrams a two-character term expands to (the most frequent first). */
export const MAX_EXPANSIONS = 200;
/** The same for a question's two-character pieces, which are many. */
export const QUESTION_EXPANSIONS = 24;
/** The most terms a query keeps. */
export const MAX_TERMS = 16;

/** A query that cannot be searched, said so the person can fix it. */
export class LibraryQueryError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "LibraryQueryError";
  }
}

/** What the indexes hold, from their vocabularies. */
export interface IndexTerms {
  /** The trigrams that start with `pair`, the most frequent first, each with how many passages hold it. */
  startingWith(pair: string, limit: number): { term: string; passages: number }[];
  /** How many passages hold `trigram`. */
  passagesWith(trigram: string): number;
  /** How many passages hold the whole word `word` (as `unicode61` folds it). */
  passagesWithWord(word: string): number;
}

const STOPWORDS = new Set(
  (
    "a an and are as at be but by can did do does for from had has have how i in is it its me my of on or our " +
    "say said that the their them then there these they this to was we were what when where which who why will with " +
    "you your about any anyone someone something video videos mention mentioned talk talked"
  ).split(" ")
);

function length(text: string): number {
  return Array.from(text).length;
}

function phrase(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** The terms of `query`: quoted phrases kept whole, the rest split at white space. */
export function termsOf(query: string): string[] {
  const terms: string[] = [];
  for (const match of query.matchAll(/"([^"]*)"|(\S+)/g)) {
    const term = (match[1] ?? match[2] ?? "").trim();
    if (term) terms.push(term);
  }
  return terms.slice(0, MAX_TERMS);
}

/** The trigrams of a term of three characters or more. */
function trigramsOf(term: string): string[] {
  const chars = Array.from(term.toLowerCase());
  return chars.slice(0, -2).map((_, index) => chars.slice(index, index + 3).join(""));
}

interface TermMatch {
  expression: string;
  /** At most this many passages match it: its rarest trigram's count, or the sum over a two-character term's trigrams. */
  bound: number;
}

/** One term as an FTS5 expression, or undefined when it cannot match anything. */
function termMatch(term: string, index: IndexTerms, expansions = MAX_EXPANSIONS): TermMatch | undefined {
  if (length(term) >= 3) {
    const bound = Math.min(...trigramsOf(term).map((trigram) => index.passagesWith(trigram)));
    return bound === 0 ? undefined : { expression: phrase(term), bound };
  }
  const found = index.startingWith(term.toLowerCase(), expansions);
  if (found.length === 0) return undefined;
  return {
    expression: `(${found.map(({ term }) => phrase(term)).join(" OR ")})`,
    bound: found.reduce((sum, { passages }) => sum + passages, 0)
  };
}

/** A term's words as the word index's `unicode61` tokenizer sees them: lower-cased, diacritics removed. */
export function wordsOf(term: string): string[] {
  return term
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** True when every term is written with spaces between words (no Han, kana, Thai…): the word index answers it. */
function spaced(terms: readonly string[]): boolean {
  return terms.every((term) => !UNSPACED.test(term)) && terms.some((term) => wordsOf(term).length > 0);
}

/** A term as whole words: a phrase of its words, bounded by its rarest word; undefined when one is not in the index. */
function wordMatch(term: string, index: IndexTerms): TermMatch | undefined {
  const words = wordsOf(term);
  if (words.length === 0) return { expression: "", bound: Number.POSITIVE_INFINITY };
  const bound = Math.min(...words.map((word) => index.passagesWithWord(word)));
  return bound === 0 ? undefined : { expression: phrase(words.join(" ")), bound };
}

/** A query made ready to run: the index it runs on, its MATCH expression, and the terms to mark in the passages found. */
export interface CompiledQuery {
  index: LibraryIndex;
  expression: string;
  /** At most this many passages match (from the index's vocabulary; see `library-search.ts` for its use). */
  bound: number;
  /** Lower-cased; a two-character term is marked as itself, not as the trigrams it matched. */
  marks: string[];
}

/**
 * A search that wants every term; undefined when some term matches nothing
 * in the index (so nothing can be found).
 */
export function compileSearch(query: string, index: IndexTerms): CompiledQuery | undefined {
  const terms = termsOf(query);
  const usable = terms.filter((term) => length(term) >= 2);
  if (usable.length === 0) {
    throw new LibraryQueryError(
      terms.length === 0
        ? "The query is empty: give a word or phrase to search for."
        : "Search for words of two characters or more (a single character would match nearly everything)."
    );
  }
  const byWords = spaced(usable);
  const matches = usable.map((term) => (byWords ? wordMatch(term, index) : termMatch(term, index)));
  if (matches.some((match) => match === undefined)) return undefined;
  const found = matches.filter((match): match is TermMatch => match !== undefined && match.expression !== "");
  return {
    index: byWords ? "library_words" : "library_fts",
    expression: found.map((match) => match.expression).join(" AND "),
    bound: Math.min(...found.map((match) => match.bound)),
    marks: usable.map((term) => term.toLowerCase())
  };
}

/** Characters of scripts written without spaces between words. */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/**
 * A term's overlapping character pairs when it is a run without spaces (a
 * Japanese sentence, whose words are often two characters); else the term.
 */
function pieces(term: string): string[] {
  const chars = Array.from(term);
  if (!UNSPACED.test(term) || chars.length <= 2) return [term];
  return chars.slice(0, -1).map((_, index) => chars.slice(index, index + 2).join(""));
}

/**
 * A question: any of its words (common ones left out), or undefined when no
 * word is left to look for (or none is in the index).
 */
export function compileQuestion(question: string, index: IndexTerms): CompiledQuery | undefined {
  const words = termsOf(question.replace(/[?？!！。、,.;:()（）「」]/g, " "))
    .filter((term) => !STOPWORDS.has(term.toLowerCase()))
    .flatMap(pieces)
    .filter((term) => length(term) >= 2);
  const marks = [...new Set(words.map((word) => word.toLowerCase()))].slice(0, 4 * MAX_TERMS);
  const byWords = spaced(marks);
  const found = marks
    .flatMap((word) => (byWords ? wordMatch(word, index) : termMatch(word, index, QUESTION_EXPANSIONS)) ?? [])
    .filter((match) => match.expression !== "");
  if (found.length === 0) return undefined;
  return {
    index: byWords ? "library_words" : "library_fts",
    expression: found.map((match) => match.expression).join(" OR "),
    // Ranked whatever the count: the passages sent to Gemini must be the most relevant, not the newest.
    bound: 0,
    marks
  };
}
