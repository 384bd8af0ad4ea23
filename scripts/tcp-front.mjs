/**
 * The front door of the local server in place of wrangler's ProxyWorker: a
 * TCP listener on the dev server's address that splices each connection,
 * bytes untouched, to the socket of the workerd that runs the Worker.
 *
 * Why: wrangler puts a second workerd in front of the Worker (its
 * ProxyWorker, a Durable Object that re-sends every request with fetch) so
 * it can hold requests while the Worker reloads and attach the DevTools
 * inspector. On a 2-core machine that hop cost 1.2–1.5 ms of workerd's CPU
 * per request, more than the Worker's own 0.8–1.1 ms for a tools/list
 * (BENCHMARKS.md). A splice parses nothing (0.2–0.3 ms of Node's CPU for a
 * 57 KB reply); it holds new
 * connections while the Worker reloads, as the ProxyWorker held requests.
 * The Worker sees the request as the client sent it (same Host, same path),
 * as it would deployed. With the inspector on, serve.mjs keeps wrangler's
 * own proxy, which also carries the DevTools connection.
 *
 * It implements the controller interface wrangler's DevEnv expects of its
 * proxy (`ready`, `onConfigUpdate`, `onBundleStart`, `onReloadStart`,
 * `onReloadComplete`, `teardown`), passed as `proxyFactory`. A listen error
 * (the port is taken) rejects `ready`, so `serve()` fails with it.
 */
import { connect, createServer } from "node:net";

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject, settled: false };
}

function urlHost(hostname) {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}

export class TcpFrontController {
  /** Resolves with `{ url }` once the listener is up and the Worker has loaded; read by wrangler's worker object. */
  ready = deferred();
  #server;
  #sockets = new Set();
  /** The Worker's socket address, or a pending promise while it (re)loads. */
  #target = deferred();
  #listening;

  onConfigUpdate({ config }) {
    this.#listening ??= this.#listen(config.dev?.server ?? {});
  }

  onBundleStart() {
    this.#pause();
  }

  onReloadStart() {
    this.#pause();
  }

  onReloadComplete({ proxyData }) {
    const { hostname, port } = proxyData.userWorkerUrl;
    const target = { host: hostname, port: Number(port) };
    if (this.#target.settled) this.#target = deferred();
    this.#target.settled = true;
    this.#target.resolve(target);
    void this.#listening?.then((url) => this.ready.resolve({ url, inspectorUrl: undefined }));
  }

  async teardown() {
    for (const socket of this.#sockets) socket.destroy();
    if (this.#server?.listening) await new Promise((resolve) => this.#server.close(resolve));
  }

  #pause() {
    if (this.#target.settled) this.#target = deferred();
  }

  #listen({ hostname = "127.0.0.1", port = 8787 }) {
    this.#server = createServer({ noDelay: true }, (client) => this.#splice(client));
    return new Promise((resolve) => {
      this.#server.once("error", (error) => {
        this.ready.reject(error);
      });
      this.#server.listen(port, hostname, () => {
        resolve(new URL(`http://${urlHost(hostname)}:${this.#server.address().port}`));
      });
    });
  }

  async #splice(client) {
    this.#sockets.add(client);
    client.once("close", () => this.#sockets.delete(client));
    client.on("error", () => client.destroy());
    const target = await this.#target.promise;
    if (client.destroyed) return;
    const upstream = connect({ ...target, noDelay: true });
    this.#sockets.add(upstream);
    upstream.once("close", () => {
      this.#sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => upstream.destroy());
    client.once("close", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
