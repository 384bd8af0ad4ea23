/**
 * Which tools may run as a task. In the 2026-07-28 era the server decides
 * (SEP-2663: `tools/list` carries no `execution.taskSupport` any more, the
 * SDK strips it), so this table is the declaration: the three analysis
 * tools may become tasks for a client that declares the extension; the job
 * tools answer at once and `askAboutVideo` stays blocking.
 * @module
 */
import { analyzeRemoteVideoTask } from "./analyze-remote-video";
import { summarizeVideoTask } from "./summarize-video";
import type { TaskableTool, TaskSupport } from "./taskable";
import { transcribeVideoTask } from "./transcribe-video";

export type { TaskableTool, TaskSupport };

const TASKABLE: Readonly<Record<string, TaskableTool>> = {
  analyzeRemoteVideo: analyzeRemoteVideoTask,
  summarizeVideo: summarizeVideoTask,
  transcribeVideo: transcribeVideoTask
};

/** `optional` for the tools `taskableTool` names, `forbidden` for every other. */
export function taskSupportOf(toolName: string): TaskSupport {
  return Object.hasOwn(TASKABLE, toolName) ? "optional" : "forbidden";
}

/** The tool when it may run as a task. */
export function taskableTool(toolName: string): TaskableTool | undefined {
  return Object.hasOwn(TASKABLE, toolName) ? TASKABLE[toolName] : undefined;
}
