/**
 * Registers every tool on an `McpServer`, whatever transport it is connected to.
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { registerAnalyzeRemoteVideo } from "./analyze-remote-video";
import { registerAskAboutVideo } from "./ask-about-video";
import type { ToolDeps } from "./deps";
import { registerJobTools } from "./job-tools";
import { registerSummarizeVideo } from "./summarize-video";
import { registerTranscribeVideo } from "./transcribe-video";

export type { JobService, ToolDeps } from "./deps";

export function registerTools(server: McpServer, deps: ToolDeps): void {
  registerAnalyzeRemoteVideo(server, deps);
  registerAskAboutVideo(server, deps);
  registerSummarizeVideo(server, deps);
  registerTranscribeVideo(server, deps);
  registerJobTools(server, deps);
}
