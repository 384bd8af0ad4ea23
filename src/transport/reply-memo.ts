/**
 * Remembers the JSON replies of a 2026-era handler whose answers depend on
 * nothing but the request (the tool directory: `tools/list`,
 * `server/discover`, `ping`), so a repeated request is answered with stored
 * bytes and its own id instead of a server built and run for it.
 *
 * Why: building the SDK's server, validating the request and the 57 KB
 * tool list on the way out cost about 0.4 ms of CPU per `tools/list`
 * against 0.16 ms for the same list as a fixed body (Node, BENCHMARKS.md).
 *
 * Exact by construction: the first request of each kind goes through the
 * SDK with all its checks, and only a success it answered as JSON is kept.
 * A later request is the same kind only if it is equal in everything the
 * SDK reads on this path: the HTTP method, the headers below, and the body
 * with the id left out, with an id of the same sort (a non-empty string or a
 * safe integer; any other id always goes to the SDK). Anything else goes to
 * the SDK, whose answer then becomes a kind of its own.
 * @module
 */
import { parseJsonText } from "./jsonrpc";
import type { StatelessHttp } from "./stateless-http";

/**
 * The request headers the SDK's 2026-era entry reads: the content type (415),
 * `Accept`, `Last-Event-ID`, and every `Mcp-*` header (version, method and name checks, and
 * `Mcp-Param-*`). Host and Origin are checked by the front Worker before this.
 */
function headersKey(request: Request): string[] {
  const kept: string[] = [];
  for (const [name, value] of request.headers) {
    if (name === "content-type" || name === "accept" || name === "last-event-id" || name.startsWith("mcp-")) {
      kept.push(name, value);
    }
  }
  return kept;
}

function idSort(id: unknown): "string" | "integer" | undefined {
  if (typeof id === "string" && id.length > 0) return "string";
  if (typeof id === "number" && Number.isSafeInteger(id)) return "integer";
  return undefined;
}

/** A stored reply: the body around its id, and its headers. */
interface Template {
  before: Uint8Array;
  after: Uint8Array;
  headers: [string, string][];
}

/** Replaced by the request's id; JSON.stringify writes U+0000 as `\u0000`, which no tool list holds. */
const ID_MARK = "\u0000id\u0000";
const encoder = new TextEncoder();

/** The template of a JSON success whose id is `id`, and the response to return in its place. */
async function templateOf(response: Response, id: unknown): Promise<{ template?: Template; response: Response }> {
  if (response.status !== 200 || response.headers.get("content-type") !== "application/json") return { response };
  const text = await response.text();
  const same = new Response(text, response);
  return { ...parseTemplate(text, id, response.headers), response: same };
}

function parseTemplate(text: string, id: unknown, responseHeaders: Headers): { template?: Template } {
  const reply = parseJsonText(text);
  if (typeof reply !== "object" || reply === null || !("result" in reply) || !("id" in reply) || reply.id !== id) {
    return {};
  }
  const marked = JSON.stringify({ ...reply, id: ID_MARK });
  const mark = JSON.stringify(ID_MARK);
  const at = marked.indexOf(mark);
  if (at < 0 || marked.lastIndexOf(mark) !== at) return {};
  const headers = [...responseHeaders].filter(([name]) => name !== "content-length");
  return {
    template: {
      before: encoder.encode(marked.slice(0, at)),
      after: encoder.encode(marked.slice(at + mark.length)),
      headers
    }
  };
}

function answer(template: Template, id: string | number): Response {
  const idBytes = encoder.encode(JSON.stringify(id));
  const body = new Uint8Array(template.before.length + idBytes.length + template.after.length);
  body.set(template.before, 0);
  body.set(idBytes, template.before.length);
  body.set(template.after, template.before.length + idBytes.length);
  return new Response(body, { status: 200, headers: template.headers });
}

/** `inner` with its JSON successes remembered, at most `capacity` kinds (the oldest forgotten first). */
export function memoizeReplies(inner: StatelessHttp, capacity = 32): StatelessHttp {
  const templates = new Map<string, Template>();
  return {
    async handle(request, parsedBody) {
      if (request.method !== "POST" || typeof parsedBody !== "object" || parsedBody === null || Array.isArray(parsedBody)) {
        return inner.handle(request, parsedBody);
      }
      const id = "id" in parsedBody ? parsedBody.id : undefined;
      const sort = idSort(id);
      if (sort === undefined) return inner.handle(request, parsedBody);
      const key = JSON.stringify([sort, headersKey(request), { ...parsedBody, id: null }]);
      const known = templates.get(key);
      // SAFETY: `idSort` found `id` a string or an integer.
      if (known) return answer(known, id as string | number);
      const response = await inner.handle(request, parsedBody);
      const { template, response: returned } = await templateOf(response, id);
      if (template) {
        // SAFETY: a full map of `capacity` ≥ 1 templates has a first key (with none, deleting `undefined` removes nothing).
        if (templates.size >= capacity) templates.delete(templates.keys().next().value as string);
        templates.set(key, template);
      }
      return returned;
    }
  };
}
