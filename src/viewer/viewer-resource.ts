/**
 * Serves the in-chat viewer: one `ui://` resource of type
 * `text/html;profile=mcp-app`, registered with ext-apps' server helper.
 * @module
 */
import { RESOURCE_MIME_TYPE, registerAppResource } from "@modelcontextprotocol/ext-apps/server";
import type { McpServer } from "@modelcontextprotocol/server";
import { VIEWER_HTML } from "./viewer-html";
import { VIEWER_URI, viewerResourceMeta } from "./viewer-meta";

/** `origin`: the server's, from which the viewer's `<video>` plays a file URL (`GET /media`). */
export function registerViewer(server: McpServer, origin: string | undefined): void {
  const meta = viewerResourceMeta(origin);
  registerAppResource(
    server,
    "Video analysis viewer",
    VIEWER_URI,
    {
      description:
        "An analysis in the conversation: progress, the answer, chapters, the transcript, and questions about a moment.",
      _meta: { ui: meta }
    },
    () => ({
      contents: [{ uri: VIEWER_URI, mimeType: RESOURCE_MIME_TYPE, text: VIEWER_HTML, _meta: { ui: meta } }]
    })
  );
}
