/**
 * A tool, as one module declares it: its name and words for the client, its
 * schemas and annotations, its sentence in the server's instructions, how a
 * call runs, and, when it has them, how it runs as a task and the console's
 * kind of analysis it stands for. `TOOLS` (`./index`) lists them;
 * registration, task support and routing, the instructions and the console's
 * kinds all read that list.
 * @module
 */
import type { McpUiToolMeta } from "@modelcontextprotocol/ext-apps";
import type { CallToolResult, ServerContext, ToolAnnotations } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { AnalysisInput } from "../jobs/job";
import type { ToolDeps } from "./deps";
import type { JobResults } from "./follow-job";
import type { videoInputShape } from "./video-input";

/** The console's start form, checked: a video, a prompt and how to watch it. */
export type ConsoleForm = z.infer<z.ZodObject<typeof videoInputShape>>;

export interface ToolDescriptor<Input extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  inputSchema: Input;
  outputSchema: z.ZodObject;
  annotations: ToolAnnotations;
  /**
   * Present when a host that renders MCP Apps shows the result in the viewer
   * (`_meta.ui.resourceUri`), or when only the viewer calls the tool
   * (`visibility: ["app"]`). The result's text stays complete either way.
   */
  ui?: McpUiToolMeta;
  /** What the server's instructions say about it: a sentence or two, naming the tool. */
  instructions: string;
  /** Runs a call whose arguments passed `inputSchema`. */
  call(args: z.infer<Input>, ctx: ServerContext, deps: ToolDeps): Promise<CallToolResult>;
  /**
   * Present when it may run as a task (the tasks extension of 2026-07-28; the
   * server decides, as SEP-2663 has it): the analysis a call's checked
   * arguments ask for, and how its job shows as the tool's result.
   */
  task?: {
    analysisFor(args: z.infer<Input>, deps: Pick<ToolDeps, "defaultModel">): AnalysisInput;
    results: JobResults;
  };
  /** The console's kind of analysis that is this tool's, and the analysis its start form asks for. */
  console?: {
    kind: string;
    analysisFor(form: ConsoleForm, deps: Pick<ToolDeps, "defaultModel">): AnalysisInput;
  };
}

/** A descriptor, with its arguments' type inferred from its input schema. */
export function defineTool<Input extends z.ZodObject>(tool: ToolDescriptor<Input>): ToolDescriptor<Input> {
  return tool;
}
