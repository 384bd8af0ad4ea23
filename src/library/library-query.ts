/**
 * A person's query as FTS5 reads it. The index is FTS5's `trigram`
 * tokenizer, which finds any substring of three or more characters in any
 * script (Japanese and Chinese included, which have no spaces between
 * words) but cannot match fewer. So each term is served by its length:
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
 * common words left out and runs of three characters or more without spaces
 * split into their trigrams, so a Japanese question finds passages that
 * share some of its words.
 * @module
 */
import { UserFacingError } from "../errors";

/** The most trigrams a two-character term expands to (the most frequent first). */
export const MAX_EXPANSIONS = 200;
/** The most terms a query keeps. */
export const MAX_TERMS = 16;

/** A query that cannot be searched, said so the person can fix it. */
export class LibraryQueryError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "LibraryQueryError";
  }
}

/** Looks up the index's trigrams that start with `pair` (lower-cased), most frequent first. */
export type TrigramsStartingWith = (pair: string) => string[];

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

/** One term as an FTS5 expression, or undefined when it cannot match anything. */
function termExpression(term: string, trigrams: TrigramsStartingWith): string | undefined {
  if (length(term) >= 3) return phrase(term);
  const found = trigrams(term.toLowerCase());
  return found.length === 0 ? undefined : `(${found.map(phrase).join(" OR ")})`;
}

/**
 * The MATCH expression for a search that wants every term; undefined when
 * some term matches nothing in the index (so nothing can be found).
 */
export function searchExpression(query: string, trigrams: TrigramsStartingWith): string | undefined {
  const terms = termsOf(query);
  const usable = terms.filter((term) => length(term) >= 2);
  if (usable.length === 0) {
    throw new LibraryQueryError(
      terms.length === 0
        ? "The query is empty: give a word or phrase to search for."
        : "Search for words of two characters or more (a single character would match nearly everything)."
    );
  }
  const expressions = usable.map((term) => termExpression(term, trigrams));
  return expressions.includes(undefined) ? undefined : expressions.join(" AND ");
}

/** Characters of scripts written without spaces between words. */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/** A term's trigrams when it is a run without spaces (a Japanese sentence); else the term. */
function pieces(term: string): string[] {
  const chars = Array.from(term);
  if (!UNSPACED.test(term) || chars.length <= 3) return [term];
  return chars.slice(0, -2).map((_, index) => chars.slice(index, index + 3).join(""));
}

/**
 * The MATCH expression for a question: any of its words (common ones left
 * out), or undefined when no word is left to look for.
 */
export function questionExpression(question: string, trigrams: TrigramsStartingWith): string | undefined {
  const words = termsOf(question.replace(/[?？!！。、,.;:()（）「」]/g, " "))
    .filter((term) => !STOPWORDS.has(term.toLowerCase()))
    .flatMap(pieces)
    .filter((term) => length(term) >= 2);
  const expressions = [...new Set(words.map((word) => word.toLowerCase()))]
    .slice(0, 4 * MAX_TERMS)
    .flatMap((word) => termExpression(word, trigrams) ?? []);
  return expressions.length === 0 ? undefined : expressions.join(" OR ");
}
