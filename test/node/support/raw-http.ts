/**
 * Requests as a hostile or careless client sends them, with Node's http
 * module: any Host header, and bodies sent chunked (no Content-Length), on a
 * connection of their own; and, on a bare socket, a body that stops short of
 * its Content-Length.
 */
import { request } from "node:http";
import { connect } from "node:net";

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

/** What became of a request whose body stopped short: the status line's code (0 for none) and when the server answered or closed. */
export interface ShortBodyOutcome {
  status: number;
  afterMs: number;
  closed: boolean;
}

/**
 * Sends `method path` on a bare TCP connection with `Content-Length: declared`
 * and only `sent` bytes of body, then waits, at most `waitMs`, for the server
 * to answer (the status line) or close the connection.
 */
export function shortBodyRequest(
  baseUrl: string,
  {
    method,
    path,
    headers = {},
    declared = 1000,
    sent = 10,
    waitMs
  }: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    declared?: number;
    sent?: number;
    waitMs: number;
  }
): Promise<ShortBodyOutcome> {
  const { hostname, port, host } = new URL(baseUrl);
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = "";
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve({ status: status ? Number(status) : 0, afterMs: Date.now() - startedAt, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on("connect", () => {
      const lines = Object.entries({ Host: host, ...headers, "Content-Length": String(declared) }).map(
        ([name, value]) => `${name}: ${value}\r\n`
      );
      socket.write(`${method} ${path} HTTP/1.1\r\n${lines.join("")}\r\n${"x".repeat(sent)}`);
    });
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (received.includes("\r\n")) finish(false);
    });
    socket.on("error", () => finish(true));
    socket.on("close", () => finish(true));
  });
}
