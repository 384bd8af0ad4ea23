import type { CallToolResult } from "@modelcontextprotocol/server";

/** A tool failure as a result the model can read (`isError: true`), never a stack trace. */
export function toolError(error: unknown): CallToolResult {
  const text = error instanceof Error ? error.message : String(error);
  return { content: [{ type: "text", text }], isError: true };
}
