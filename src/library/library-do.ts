/**
 * `LibraryDO`: the deployment's one library of finished analyses (the
 * owner's, as everything this server does is). Session objects add each
 * analysis once done (`library-reporter.ts`); the tools search it and ask
 * across it (`library-service.ts`); the console lists, opens and deletes.
 * See `library-store.ts` for its tables and `library-query.ts` for how a
 * query is read.
 *
 * ## Lifecycle
 * One object named `LIBRARY_OBJECT_NAME`, living as long as the deployment.
 * Each analysis is kept LIBRARY_RETENTION_DAYS after it finished: the
 * object's alarm is set for the next expiry, deletes what is due (a batch at
 * a time) and sets itself again; searches leave out what has expired
 * before the alarm has run.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig } from "../config";
import type { Env } from "../env";
import type { LibraryDocument } from "./library-document";
import { compileQuestion, compileSearch, LibraryQueryError } from "./library-query";
import { type LibraryHit, runSearch, type SearchOptions, indexTerms } from "./library-search";
import { type LibraryEntry, type LibraryRecord, LibraryStore } from "./library-store";

/** The name of the deployment's one library object. */
export const LIBRARY_OBJECT_NAME = "library";
/** How many analyses the library's list returns, newest first. */
export const LIBRARY_LIST_LIMIT = 1000;

/** A search's hits, or why the query was refused (an error's class does not cross RPC). */
export type SearchAnswer = { hits: LibraryHit[] } | { refused: string };

export class LibraryDO extends DurableObject<Env> {
  private readonly store = new LibraryStore(this.ctx.storage.sql);
  private readonly retentionMs = readConfig(this.env).libraryRetentionMs;

  /** Keeps a finished analysis (again, if it was kept already). */
  async add(doc: LibraryDocument): Promise<void> {
    this.store.add(doc, doc.finishedAt + this.retentionMs);
    await this.armExpiry();
  }

  /** Passages that hold every term of `query`, best first; or why the query cannot be searched. */
  async search(query: string, options: Omit<SearchOptions, "now">): Promise<SearchAnswer> {
    try {
      const compiled = compileSearch(query, indexTerms(this.store.tables));
      return { hits: compiled === undefined ? [] : runSearch(this.store.tables, compiled, { ...options, now: Date.now() }) };
    } catch (error) {
      if (error instanceof LibraryQueryError) return { refused: error.message };
      throw error;
    }
  }

  /** Passages that share words with `question`, best first. */
  async searchQuestion(question: string, options: Omit<SearchOptions, "now">): Promise<LibraryHit[]> {
    const compiled = compileQuestion(question, indexTerms(this.store.tables));
    return compiled === undefined ? [] : runSearch(this.store.tables, compiled, { ...options, now: Date.now() });
  }

  async list(): Promise<LibraryEntry[]> {
    return this.store.list(Date.now(), LIBRARY_LIST_LIMIT);
  }

  async get(analysisId: string): Promise<LibraryRecord | undefined> {
    return this.store.get(analysisId, Date.now());
  }

  /** Deletes one analysis; true when it was kept. */
  async remove(analysisId: string): Promise<boolean> {
    return this.store.remove(analysisId);
  }

  /** Deletes every analysis of a video (by its canonical URL); how many. */
  async removeVideo(videoKey: string): Promise<number> {
    return this.store.removeVideo(videoKey);
  }

  override async alarm(): Promise<void> {
    this.store.expire(Date.now());
    await this.armExpiry();
  }

  private async armExpiry(): Promise<void> {
    const next = this.store.nextExpiry();
    if (next === undefined) await this.ctx.storage.deleteAlarm();
    else if ((await this.ctx.storage.getAlarm()) !== next) await this.ctx.storage.setAlarm(next);
  }
}
