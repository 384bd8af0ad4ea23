/**
 * The in-chat viewer's address and what a host is told about it: the one
 * `ui://` resource the analysis tools name in `_meta.ui.resourceUri`, and
 * its content security policy (MCP Apps, SEP-1865).
 * @module
 */
import type { McpUiResourceMeta, McpUiToolMeta } from "@modelcontextprotocol/ext-apps";

export const VIEWER_URI = "ui://gemini-video-mcp/viewer.html";

/**
 * The app's own files are all inline: no `connectDomains` (its calls go
 * through the host) and no `frameDomains` (the video never plays in another
 * site's frame; claude.ai frames only `'self' blob: data:` anyway). Its one
 * resource domain is the server's own origin, where the `<video>` plays a
 * file URL from (`GET /media`; hosts map `resourceDomains` to `media-src`,
 * and to images, scripts, styles and fonts, which the page never loads).
 * Without an origin it declares none; a time then opens the video outside
 * the chat.
 */
export function viewerResourceMeta(origin: string | undefined): McpUiResourceMeta {
  return { csp: { connectDomains: [], resourceDomains: origin ? [origin] : [], frameDomains: [] }, prefersBorder: true };
}

/** What an analysis tool's `_meta.ui` says: its result opens in the viewer. */
export const VIEWER_TOOL_META: McpUiToolMeta = { resourceUri: VIEWER_URI };
