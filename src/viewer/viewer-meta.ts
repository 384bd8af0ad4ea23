/**
 * The in-chat viewer's address and what a host is told about it: the one
 * `ui://` resource the analysis tools name in `_meta.ui.resourceUri`, and
 * its content security policy (MCP Apps, SEP-1865).
 * @module
 */
import type { McpUiResourceMeta, McpUiToolMeta } from "@modelcontextprotocol/ext-apps";

export const VIEWER_URI = "ui://gemini-video-mcp/viewer.html";

/**
 * The app's own files are all inline, so it asks for no network at all: no
 * `connectDomains` (its calls go through the host), no `resourceDomains`
 * (no scripts, styles or fonts from elsewhere) and no `frameDomains` (the
 * video never plays in another site's frame; claude.ai frames only
 * `'self' blob: data:` anyway). A host that lets media load from a file
 * URL's own site plays it in a `<video>`; elsewhere a time opens the video
 * outside the chat.
 */
export const VIEWER_RESOURCE_META: McpUiResourceMeta = {
  csp: { connectDomains: [], resourceDomains: [], frameDomains: [] },
  prefersBorder: true
};

/** What an analysis tool's `_meta.ui` says: its result opens in the viewer. */
export const VIEWER_TOOL_META: McpUiToolMeta = { resourceUri: VIEWER_URI };
