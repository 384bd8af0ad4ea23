/**
 * Requests as a hostile or careless client sends them, with Node's http
 * module: any Host header, and bodies sent chunked (no Content-Length), on a
 * connection of their own.
 */
import { request } from "node:http";

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent chunk by chunk with `Transfer-Encoding: chunked`, unless a Content-Length header is given. */
  body?: { chunk: Buffer; count: number };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends one request to `baseUrl` on a fresh connection; resolves with the whole response. */
export function rawRequest(baseUrl: string, { method = "GET", path, headers = {}, body }: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: hostname, port, path, method, headers, agent: false }, (incoming) => {
      let text = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (chunk: string) => (text += chunk));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text }));
      incoming.on("error", reject);
    });
    outgoing.on("error", reject);
    if (!body) {
      outgoing.end();
      return;
    }
    let sent = 0;
    const write = (): void => {
      while (sent < body.count) {
        sent += 1;
        if (!outgoing.write(body.chunk)) {
          outgoing.once("drain", write);
          return;
        }
      }
      outgoing.end();
    };
    write();
  });
}
