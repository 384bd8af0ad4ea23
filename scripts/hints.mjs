/**
 * The "how to connect" text `npm run dev` prints, with the URL filled in. The
 * secret itself is never printed (terminals are logged, screens are shared):
 * the lines read it from the settings file into `$SECRET`.
 */
export function connectionHints(baseUrl, varsFile) {
  const desktop = {
    mcpServers: {
      "gemini-video": {
        command: "npx",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands ${AUTH_HEADER} from its environment
        args: ["-y", "mcp-remote", `${baseUrl}/mcp`, "--transport", "http-only", "--header", "Authorization:${AUTH_HEADER}"],
        env: { AUTH_HEADER: "Bearer <SHARED_SECRET>" }
      }
    }
  };
  return [
    "",
    `Gemini video MCP server: ${baseUrl}`,
    "",
    `Try it (the secret is SHARED_SECRET in ${varsFile}):`,
    `  SECRET=$(grep '^SHARED_SECRET=' '${varsFile}' | cut -d= -f2)`,
    `  curl -N -H "Authorization: Bearer $SECRET" ${baseUrl}/sse`,
    `  curl -X POST ${baseUrl}/rpc -H "Authorization: Bearer $SECRET" -H "Content-Type: application/json" \\`,
    `    -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`,
    "",
    "Claude Desktop (claude_desktop_config.json; put the secret in place of <SHARED_SECRET>):",
    JSON.stringify(desktop, null, 2)
      .split("\n")
      .map((line) => `  ${line}`)
      .join("\n"),
    "",
    "Claude Code (with $SECRET set as above):",
    `  claude mcp add --transport http gemini-video ${baseUrl}/mcp --header "Authorization: Bearer $SECRET"`,
    "",
    "MCP Inspector:",
    `  npx @modelcontextprotocol/inspector  (Transport: Streamable HTTP, URL: ${baseUrl}/mcp, header Authorization: Bearer <SHARED_SECRET>)`,
    ""
  ].join("\n");
}
