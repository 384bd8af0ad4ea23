/**
 * Every tool, in the order `tools/list` shows them, and what reads the list:
 * registration on an `McpServer` (whatever transport it is connected to)
 * and which tools may run as a task.
 * @module
 */
import { registerAppTool } from "@modelcontextprotocol/ext-apps/server";
import type { McpServer, ServerContext } from "@modelcontextprotocol/server";
import { analyzeRemoteVideo } from "./analyze-remote-video";
import { askAboutVideo } from "./ask-about-video";
import { askAcrossVideos } from "./ask-across-videos";
import { cancelVideoAnalysis } from "./cancel-video-analysis";
import { createVideoUpload } from "./create-video-upload";
import type { ToolDeps } from "./deps";
import { getVideoAnalysis } from "./get-video-analysis";
import { listVideoAnalyses } from "./list-video-analyses";
import { withMediaUrl } from "./media-url";
import { searchVideos } from "./search-videos";
import { startVideoAnalysis } from "./start-video-analysis";
import { summarizeVideo } from "./summarize-video";
import { taskable, type TaskableTool } from "./taskable";
import type { ToolDescriptor } from "./tool";
import { transcribeVideo } from "./transcribe-video";

export type { JobService, ToolDeps } from "./deps";
export type { TaskableTool, ToolDescriptor };

export const TOOLS: readonly ToolDescriptor[] = [
  analyzeRemoteVideo,
  askAboutVideo,
  summarizeVideo,
  transcribeVideo,
  startVideoAnalysis,
  getVideoAnalysis,
  cancelVideoAnalysis,
  listVideoAnalyses,
  searchVideos,
  askAcrossVideos,
  createVideoUpload
];

export function registerTools(server: McpServer, deps: ToolDeps): void {
  for (const { name, title, description, inputSchema, outputSchema, annotations, ui, call } of TOOLS) {
    const config = { title, description, inputSchema, outputSchema, annotations };
    const handler = (args: Record<string, unknown>, ctx: ServerContext) => call(args, ctx, deps);
    if (ui?.resourceUri) registerAppTool(server, name, { ...config, _meta: { ui } }, withMediaUrl(call, deps));
    else if (ui) registerAppTool(server, name, { ...config, _meta: { ui } }, handler);
    else server.registerTool(name, config, handler);
  }
}

const TASKABLE = new Map(
  TOOLS.flatMap((tool) => {
    const task = taskable(tool);
    return task ? [[tool.name, task] as const] : [];
  })
);

/** The tool when it may run as a task; every other tool answers at once or blocks. */
export function taskableTool(toolName: string): TaskableTool | undefined {
  return TASKABLE.get(toolName);
}
