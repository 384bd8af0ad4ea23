/**
 * The console's form to start an analysis, checked by the tools' own zod
 * shapes and `toAnalysisInput` (so it gives their messages, field by field),
 * then started in the background in a session object of its own, as a
 * session-less `startVideoAnalysis` call would be.
 * @module
 */
import { z } from "zod";
import type { Env } from "../env";
import { sessionIds } from "../ids/signed-session-id";
import type { AnalysisInput } from "../jobs/job";
import { TOOLS } from "../tools";
import { ToolInputError, videoInputShape } from "../tools/video-input";
import { VideoUrlError } from "../video/url-guard";

/** The kinds of analysis the form offers, each the one of a tool that declares it. */
const CONSOLE_KINDS = new Map(TOOLS.flatMap((tool) => (tool.console ? [[tool.console.kind, tool.console] as const] : [])));

export const ANALYSIS_KINDS = [...CONSOLE_KINDS.keys()];

const kindList = `${ANALYSIS_KINDS.slice(0, -1).join(", ")} or ${ANALYSIS_KINDS.at(-1)}`;

/** The form as sent: every field a string, empty when left blank. */
const formSchema = z.object({
  kind: z.enum(ANALYSIS_KINDS, { error: `kind must be ${kindList}` }),
  ...videoInputShape
});

/** A problem with the form: the field it is about (or none) and the tools' message. */
export interface FieldProblem {
  field?: string;
  message: string;
}

export type StartResult = { ok: true; jobId: string } | { ok: false; problems: FieldProblem[] };

const NUMBER_FIELDS = new Set(["fps", "maxOutputTokens", "maxCostUsd"]);

/** Blank fields left out, and numbers read as numbers (what is no number stays, for the schema to refuse). */
function toArguments(form: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(form)) {
    if (typeof value === "string" && value.trim() === "") continue;
    const number = typeof value === "string" && NUMBER_FIELDS.has(name) ? Number(value) : Number.NaN;
    args[name] = Number.isNaN(number) ? value : number;
  }
  return args;
}

function inputOf({ kind, ...form }: z.infer<typeof formSchema>, defaultModel: string): AnalysisInput {
  const tool = CONSOLE_KINDS.get(kind);
  if (!tool) throw new Error(`No tool runs the console's ${kind}`);
  return tool.analysisFor(form, { defaultModel });
}

/** Checks the form and starts the analysis; the problems when the tools would refuse it. */
export async function startAnalysis(env: Env, form: Record<string, unknown>, defaultModel: string): Promise<StartResult> {
  const parsed = formSchema.safeParse(toArguments(form));
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        ...(typeof issue.path[0] === "string" ? { field: issue.path[0] } : {}),
        message: issue.message
      }))
    };
  }
  let input: AnalysisInput;
  try {
    input = inputOf(parsed.data, defaultModel);
  } catch (error) {
    // A URL no analysis could use is refused here as the session object would refuse it.
    if (error instanceof ToolInputError || error instanceof VideoUrlError)
      return { ok: false, problems: [{ message: error.message }] };
    throw error;
  }
  const sessionId = await sessionIds(env.SHARED_SECRET).issue();
  const started = await env.SESSIONS.get(env.SESSIONS.idFromName(sessionId)).startAnalysis(sessionId, input);
  return "refused" in started ? { ok: false, problems: [{ message: started.refused }] } : { ok: true, jobId: started.id };
}
