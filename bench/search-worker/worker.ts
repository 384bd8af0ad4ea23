/**
 * The Worker `npm run bench:search` runs: the real `LibraryDO` (with one
 * method more, its database's size) behind three routes the benchmark calls
 * on loopback: add analyses, run searches, read the size.
 */
import { LibraryDO } from "../../src/library/library-do";
import type { LibraryDocument } from "../../src/library/library-document";

export class BenchLibraryDO extends LibraryDO {
  async raw(query: string, ...values: SqlStorageValue[]): Promise<number> {
    return this.ctx.storage.sql.exec(query, ...values).toArray().length;
  }

  async databaseSize(): Promise<number> {
    return this.ctx.storage.sql.databaseSize;
  }
}

interface BenchEnv {
  LIBRARY: DurableObjectNamespace<BenchLibraryDO>;
}

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const library = env.LIBRARY.get(env.LIBRARY.idFromName("library"));
    const { pathname, searchParams } = new URL(request.url);
    if (pathname === "/add" && request.method === "POST") {
      const docs = (await request.json()) as LibraryDocument[];
      for (const doc of docs) await library.add(doc);
      return Response.json({ added: docs.length });
    }
    if (pathname === "/search") {
      const answer = await library.search(searchParams.get("q") ?? "", { limit: Number(searchParams.get("limit") ?? 10) });
      return Response.json("hits" in answer ? { hits: answer.hits.length } : answer);
    }
    if (pathname === "/raw")
      return Response.json({ rows: await library.raw(searchParams.get("q") ?? "", ...searchParams.getAll("v")) });
    if (pathname === "/size") return Response.json({ bytes: await library.databaseSize() });
    return new Response("not found", { status: 404 });
  }
};
