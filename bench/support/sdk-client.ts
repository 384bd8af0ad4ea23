/** Connects the SDK's own client to the dev server over Streamable HTTP, with its secret. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { DevServer } from "../../test/node/support/dev-server";

export function connectToDevServer(client: Client, server: DevServer): Promise<void> {
  return client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.baseUrl}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${server.secret}` } }
    })
  );
}
