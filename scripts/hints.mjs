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
    `Console, to watch and start analyses in a browser: ${baseUrl}/ (sign in with the secret below)`,
    "",
    `Try it (the secret is SHARED_SECRET in ${varsFile}):`,
    `  SECRET=$(grep '^SHARED_SECRET=' '${varsFile}' | cut -d= -f2)`,
    `  curl -N -H "Authorization: Bearer $SECRET" ${baseUrl}/sse`,
    `  curl -X POST ${baseUrl}/rpc -H "Authorization: Bearer $SECRET" -H "Content-Type: application/json" \\`,
    `    -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`,
    "",
    "Claude Desktop and claude.ai (Settings > Connectors > Add custom connector, then sign in with the secret):",
    "  Claude reaches connectors from Anthropic's cloud, so it needs a public https URL: deploy (npm run deploy),",
    `  or run a tunnel to ${baseUrl}, set PUBLIC_URL=<its https URL> in ${varsFile}, restart, and add <PUBLIC_URL>/mcp.`,
    "",
    "Claude Desktop through mcp-remote (claude_desktop_config.json; put the secret in place of <SHARED_SECRET>):",
    JSON.stringify(desktop, null, 2)
      .split("\n")
      .map((line) => `  ${line}`)
      .join("\n"),
    "",
    "Claude Code (with $SECRET set as above):",
    `  claude mcp add --transport http gemini-video ${baseUrl}/mcp --header "Authorization: Bearer $SECRET"`,
    "  or leave the header out and sign in with OAuth: /mcp in Claude Code, then Authenticate.",
    "",
    "MCP Inspector:",
    `  npx @modelcontextprotocol/inspector  (Transport: Streamable HTTP, URL: ${baseUrl}/mcp, header Authorization: Bearer <SHARED_SECRET>)`,
    ""
  ].join("\n");
}
