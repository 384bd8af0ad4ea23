/**
 * A 2026-era client that runs tools as tasks: the SDK v2 `Client` for
 * discovery and plain calls, with the tasks extension's own client
 * (`@modelcontextprotocol/ext-tasks`) on top. The SDK's codec refuses a
 * `resultType: "task"`, so task traffic goes through `rawDispatch`, a plain
 * POST with the headers the spec asks for, as the extension's docs describe.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createTaskSessionFromClient, type TaskEnabledSession } from "@modelcontextprotocol/ext-tasks/client";
import type { JsonValue } from "@modelcontextprotocol/ext-tasks/core";

export const MODERN = "2026-07-28";
const CLIENT_INFO = { name: "task-client", version: "1.0.0" };

/** Which body field each method's `Mcp-Name` header mirrors. */
const NAME_FIELD: Record<string, string> = {
  "tools/call": "name",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId"
};

export interface TaskClient {
  client: Client;
  session: TaskEnabledSession;
  /** Raw JSON-RPC POSTs, for what the extension's client does not send. */
  post(body: Record<string, unknown>): Promise<Response>;
  close(): Promise<void>;
}

export async function connectTaskClient(url: URL, fetcher: typeof fetch, headers: Record<string, string>): Promise<TaskClient> {
  const transport = new StreamableHTTPClientTransport(url, { fetch: fetcher, requestInit: { headers } });
  const client = new Client(CLIENT_INFO, { versionNegotiation: { mode: "auto" } });
  await client.connect(transport);
  let nextId = 1;
  const post = (body: Record<string, unknown>) => {
    const method = String(body.method);
    const field = NAME_FIELD[method];
    const params = (body.params ?? {}) as Record<string, unknown>;
    const name = field ? params[field] : undefined;
    return fetcher(url, {
      method: "POST",
      headers: {
        ...headers,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        "MCP-Protocol-Version": MODERN,
        "Mcp-Method": method,
        ...(typeof name === "string" ? { "Mcp-Name": name } : {})
      },
      body: JSON.stringify(body)
    });
  };
  const session = createTaskSessionFromClient(client, {
    endpointId: url.toString(),
    // The extension's client hands over method and params; the host numbers the request.
    rawDispatch: async (request) => {
      const body = { ...(request as Record<string, unknown>), jsonrpc: "2.0", id: nextId++ };
      return (await (await post(body)).json()) as never;
    },
    v2RequestFraming: {
      protocolVersion: MODERN,
      clientInfo: CLIENT_INFO,
      clientCapabilities: { extensions: { "io.modelcontextprotocol/tasks": {} } } as Record<string, JsonValue>
    }
  });
  return {
    client,
    session,
    post,
    close: async () => {
      await session.close();
      await client.close();
    }
  };
}
