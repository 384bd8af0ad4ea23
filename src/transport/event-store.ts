/**
 * The SDK `EventStore` for `/mcp`, in the session's SQLite, so Streamable
 * HTTP clients can resume a stream with `Last-Event-ID`, also after a
 * Durable Object restart.
 *
 * ## Storage layout
 * `mcp_events`: the messages sent on `/mcp` SSE streams, by rising `seq`,
 * with the SDK's stream id; only the newest `MCP_EVENT_LIMIT` are kept. Event
 * ids are `<sessionId>-m<seq>`.
 *
 * The first event of a request's stream is not stored: a client can only
 * resume a stream after an event it received, so no replay can ever include
 * the first one. That event is the SDK's priming event (protocol 2025-11-25)
 * or, for older clients, often the reply itself (`tools/list`). Its id,
 * `<sessionId>-s<streamId>`, still names the stream, and resuming after it
 * replays all the stream stored. Each stored event is a durable write the
 * response waits for, so this takes one write off every request. The
 * standalone GET stream is always stored in full: it outlives requests and
 * restarts.
 * @module
 */
import type { EventStore, JSONRPCMessage } from "@modelcontextprotocol/server";
import { SqlTables, type SqlRow } from "../storage/sql";

export const MCP_EVENT_LIMIT = 1000;
/** The SDK's stream id for the standalone GET stream (`_standaloneSseStreamId`). */
const STANDALONE_STREAM_ID = "_GET_stream";

const SCHEMA = `CREATE TABLE IF NOT EXISTS mcp_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id TEXT NOT NULL,
  data TEXT NOT NULL
)`;

export class SqliteEventStore implements EventStore {
  private readonly tables: SqlTables;
  /** Request streams that have sent their first event (the newest MCP_EVENT_LIMIT). */
  private readonly usedStreams = new Set<string>();

  constructor(
    sql: SqlStorage,
    private readonly sessionId: string
  ) {
    this.tables = new SqlTables(sql, { table: "mcp_events", schema: [SCHEMA] });
  }

  private exec<T extends SqlRow>(query: string, ...values: SqlStorageValue[]): T[] {
    this.tables.create();
    return this.tables.query<T>(query, ...values);
  }

  private seqOf(eventId: string): number | undefined {
    const prefix = `${this.sessionId}-m`;
    const seq = eventId.startsWith(prefix) ? Number(eventId.slice(prefix.length)) : Number.NaN;
    return Number.isSafeInteger(seq) ? seq : undefined;
  }

  private remember(streamId: string): void {
    this.usedStreams.add(streamId);
    if (this.usedStreams.size > MCP_EVENT_LIMIT) {
      // SAFETY: the set holds more than MCP_EVENT_LIMIT streams, so it has a first one.
      this.usedStreams.delete(this.usedStreams.values().next().value!);
    }
  }

  /** Ids of unstored first events: the prefix, then the stream id. */
  private get streamStartPrefix(): string {
    return `${this.sessionId}-s`;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    if (streamId !== STANDALONE_STREAM_ID && !this.usedStreams.has(streamId)) {
      this.remember(streamId);
      return `${this.streamStartPrefix}${streamId}`;
    }
    const [row] = this.exec<{ seq: number }>(
      "INSERT INTO mcp_events (stream_id, data) VALUES (?, ?) RETURNING seq",
      streamId,
      JSON.stringify(message)
    );
    // SAFETY: an INSERT … RETURNING of one row returns one row.
    const seq = row!.seq;
    if (seq > MCP_EVENT_LIMIT) this.exec("DELETE FROM mcp_events WHERE seq <= ?", seq - MCP_EVENT_LIMIT);
    return `${this.sessionId}-m${seq}`;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    if (eventId.startsWith(this.streamStartPrefix)) return eventId.slice(this.streamStartPrefix.length) || undefined;
    const seq = this.seqOf(eventId);
    if (seq === undefined) return undefined;
    return this.exec<{ stream_id: string }>("SELECT stream_id FROM mcp_events WHERE seq = ?", seq)[0]?.stream_id;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }
  ): Promise<string> {
    const streamId = await this.getStreamIdForEventId(lastEventId);
    if (streamId === undefined) throw new Error(`Unknown or expired event id ${lastEventId}`);
    // After an unstored first event, everything the stream stored comes after it.
    // SAFETY: any other id named a stream above, which `getStreamIdForEventId` does only for an id `seqOf` reads.
    const after = lastEventId.startsWith(this.streamStartPrefix) ? 0 : this.seqOf(lastEventId)!;
    const events = this.exec<{ seq: number; data: string }>(
      "SELECT seq, data FROM mcp_events WHERE stream_id = ? AND seq > ? ORDER BY seq",
      streamId,
      after
    );
    for (const event of events) {
      // SAFETY: `storeEvent` wrote `data` as JSON.stringify of a JSONRPCMessage.
      await send(`${this.sessionId}-m${event.seq}`, JSON.parse(event.data) as JSONRPCMessage);
    }
    return streamId;
  }
}
