/**
 * Serves the in-chat viewer: one `ui://` resource of type
 * `text/html;profile=mcp-app`, registered with ext-apps' server helper.
 * @module
 */
import { RESOURCE_MIME_TYPE, registerAppResource } from "@modelcontextprotocol/ext-apps/server";
import type { McpServer } from "@modelcontextprotocol/server";
import { VIEWER_HTML } from "./viewer-html";
import { VIEWER_RESOURCE_META, VIEWER_URI } from "./viewer-meta";

export function registerViewer(server: McpServer): void {
  registerAppResource(
    server,
    "Video analysis viewer",
    VIEWER_URI,
    {
      description:
        "An analysis in the conversation: progress, the answer, chapters, the transcript, and questions about a moment.",
      _meta: { ui: VIEWER_RESOURCE_META }
    },
    () => ({
      contents: [{ uri: VIEWER_URI, mimeType: RESOURCE_MIME_TYPE, text: VIEWER_HTML, _meta: { ui: VIEWER_RESOURCE_META } }]
    })
  );
}
