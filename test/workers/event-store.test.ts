import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { SqliteEventStore } from "../../src/transport/event-store";

const SESSION = "0123456789abcdef0123456789abcdef";
const progress: JSONRPCMessage = {
  jsonrpc: "2.0",
  method: "notifications/progress",
  params: { progressToken: "t", progress: 50, total: 100 }
};
const reply = (id: number): JSONRPCMessage => ({ jsonrpc: "2.0", id, result: {} });

/** Runs `work` with a fresh store on a Durable Object's SQLite, and counts the rows it stored. */
async function withStore(name: string, work: (store: SqliteEventStore) => Promise<void>): Promise<number> {
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(name));
  return runInDurableObject(stub, async (_instance, state) => {
    await work(new SqliteEventStore(state.storage.sql, SESSION));
    const tables = state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'mcp_events'").toArray();
    return tables.length === 0 ? 0 : Number(state.storage.sql.exec("SELECT count(*) AS n FROM mcp_events").one().n);
  });
}

async function replayed(
  store: SqliteEventStore,
  lastEventId: string
): Promise<{ streamId: string; sent: [string, JSONRPCMessage][] }> {
  const sent: [string, JSONRPCMessage][] = [];
  const streamId = await store.replayEventsAfter(lastEventId, { send: async (id, message) => void sent.push([id, message]) });
  return { streamId, sent };
}

describe("SqliteEventStore", () => {
  it("does not store a request stream's first event, yet knows its stream", async () => {
    const rows = await withStore("event-store-first-reply", async (store) => {
      const id = await store.storeEvent("stream-a", reply(1));
      expect(id).toBe(`${SESSION}-sstream-a`);
      expect(await store.getStreamIdForEventId(id)).toBe("stream-a");
      expect(await replayed(store, id)).toEqual({ streamId: "stream-a", sent: [] });
    });
    expect(rows).toBe(0);
  });

  it("replays everything after a priming event, and after any stored event", async () => {
    const rows = await withStore("event-store-priming", async (store) => {
      const primingId = await store.storeEvent("stream-b", {} as JSONRPCMessage);
      const progressId = await store.storeEvent("stream-b", progress);
      const replyId = await store.storeEvent("stream-b", reply(2));
      expect(replyId).toMatch(new RegExp(`^${SESSION}-m\\d+$`));
      expect(await replayed(store, primingId)).toEqual({
        streamId: "stream-b",
        sent: [
          [progressId, progress],
          [replyId, reply(2)]
        ]
      });
      expect(await replayed(store, progressId)).toEqual({ streamId: "stream-b", sent: [[replyId, reply(2)]] });
    });
    expect(rows).toBe(2);
  });

  it("stores every event of the standalone GET stream, which outlives requests and restarts", async () => {
    const rows = await withStore("event-store-standalone", async (store) => {
      const id = await store.storeEvent("_GET_stream", progress);
      expect(id).toMatch(new RegExp(`^${SESSION}-m\\d+$`));
    });
    expect(rows).toBe(1);
  });
});
