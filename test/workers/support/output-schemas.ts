/**
 * Checks tool results the way MCP clients do: the SDK v1 `Client.callTool`
 * compiles each tool's `outputSchema` from `tools/list` with
 * `AjvJsonSchemaValidator` and refuses a result whose `structuredContent`
 * does not match (`MCP error -32602: Structured content does not match the
 * tool's output schema`), or a successful result without one. Tests that call
 * tools over `/rpc` or read results off a stream pass them through here, so
 * a server the SDK client would refuse fails the suite too.
 */
import type { JsonSchemaType, JsonSchemaValidator } from "@modelcontextprotocol/sdk/validation";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { postJson } from "./http";

interface ListedTool {
  name: string;
  outputSchema?: JsonSchemaType;
}

let validators: Promise<Map<string, JsonSchemaValidator<unknown>>> | undefined;

/** Each tool's output validator, compiled once per test file from the server's own `tools/list`. */
function outputValidators(): Promise<Map<string, JsonSchemaValidator<unknown>>> {
  validators ??= (async () => {
    const response = await postJson("/rpc", { jsonrpc: "2.0", id: "output-schemas", method: "tools/list" });
    const body = (await response.json()) as { result?: { tools: ListedTool[] } };
    if (!body.result) throw new Error(`tools/list failed: ${JSON.stringify(body)}`);
    const ajv = new AjvJsonSchemaValidator();
    return new Map(
      body.result.tools.flatMap((tool) => (tool.outputSchema ? [[tool.name, ajv.getValidator(tool.outputSchema)] as const] : []))
    );
  })();
  validators.catch(() => {
    validators = undefined;
  });
  return validators;
}

/**
 * Throws, with the SDK client's own wording, when an SDK client would refuse
 * `result` as the answer of tool `name`.
 */
export async function expectValidToolResult(name: string, result: unknown): Promise<void> {
  const validate = (await outputValidators()).get(name);
  if (!validate) return;
  const { structuredContent, isError } = (result ?? {}) as { structuredContent?: unknown; isError?: boolean };
  if (structuredContent === undefined) {
    if (!isError) throw new Error(`Tool ${name} has an output schema but did not return structured content`);
    return;
  }
  const checked = validate(structuredContent);
  if (!checked.valid) {
    throw new Error(`Structured content of ${name} does not match the tool's output schema: ${checked.errorMessage}`);
  }
}
