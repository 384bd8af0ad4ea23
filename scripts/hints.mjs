/** The "how to connect" text `npm run dev` prints, with URL and secret filled in. */
export function connectionHints(baseUrl, secret) {
  const desktop = {
    mcpServers: {
      "gemini-video": {
        command: "npx",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands ${AUTH_HEADER} from its environment
        args: ["-y", "mcp-remote", `${baseUrl}/mcp`, "--transport", "http-only", "--header", "Authorization:${AUTH_HEADER}"],
        env: { AUTH_HEADER: `Bearer ${secret}` }
      }
    }
  };
  return [
    "",
    `Gemini video MCP server: ${baseUrl}`,
    "",
    "Try it:",
    `  curl -N -H "Authorization: Bearer ${secret}" ${baseUrl}/sse`,
    `  curl -X POST ${baseUrl}/rpc -H "Authorization: Bearer ${secret}" -H "Content-Type: application/json" \\`,
    `    -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`,
    "",
    "Claude Desktop (claude_desktop_config.json):",
    JSON.stringify(desktop, null, 2)
      .split("\n")
      .map((line) => `  ${line}`)
      .join("\n"),
    "",
    "Claude Code:",
    `  claude mcp add --transport http gemini-video ${baseUrl}/mcp --header "Authorization: Bearer ${secret}"`,
    "",
    "MCP Inspector:",
    `  npx @modelcontextprotocol/inspector  (Transport: Streamable HTTP, URL: ${baseUrl}/mcp, header Authorization: Bearer <the secret above>)`,
    ""
  ].join("\n");
}
