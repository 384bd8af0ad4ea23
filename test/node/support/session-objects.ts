/**
 * What the real server keeps for its session objects, read from workerd's
 * state directory, and the authed JSON POSTs that the files counting them send.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { DevServer } from "./dev-server";

/** The SQLite files of `SessionDO` objects (workerd's own metadata.sqlite aside), whether or not they hold anything. */
export function sessionDatabaseFiles(server: DevServer): string[] {
  const doDir = join(server.stateDir, "v3", "do");
  if (!existsSync(doDir)) return [];
  return readdirSync(doDir)
    .filter((name) => name.endsWith("SessionDO"))
    .flatMap((name) => readdirSync(join(doDir, name)).map((file) => join(doDir, name, file)))
    .filter((file) => /[0-9a-f]{64}\.sqlite$/.test(file));
}

/** How long a read waits for workerd to finish writing the same database ("database is locked" otherwise). */
const BUSY_TIMEOUT_MS = 5000;

/** The tables a Durable Object's database holds: none once the object deleted its storage (the file stays). */
export function tableCount(file: string): number {
  const database = new DatabaseSync(file, { readOnly: true, timeout: BUSY_TIMEOUT_MS });
  try {
    const row = database.prepare("SELECT count(*) AS tables FROM sqlite_master WHERE type = 'table'").get() as { tables: number };
    return row.tables;
  } finally {
    database.close();
  }
}

/** A POST with the server's secret, a JSON body and the Accept header MCP asks for. */
export function postJson(
  server: DevServer,
  path: string,
  body: unknown,
  headers: Record<string, string> = {}
): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${server.secret}`,
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      ...headers
    },
    body: typeof body === "string" ? body : JSON.stringify(body)
  });
}
