/**
 * The official SDK v1 client over `/mcp`, speaking to the Worker through
 * `exports.default.fetch`; it checks every structured result against the
 * tool's outputSchema. Each client a test connects is closed after it.
 */
import { exports } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach } from "vitest";
import { AUTH, BASE_URL } from "./http";

const open: Client[] = [];
afterEach(async () => {
  for (const client of open.splice(0)) await client.close();
});

export async function connectSdkClient(name: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", BASE_URL), {
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
    requestInit: { headers: AUTH }
  });
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(transport);
  open.push(client);
  return { client, transport };
}
