#!/usr/bin/env node
/**
 * Runs the Worker locally through wrangler's programmatic API
 * (`unstable_startWorker`), the same runtime as `wrangler dev`, with the
 * DevTools inspector off unless asked for.
 *
 * Why not plain `wrangler dev`: with its inspector on, workerd reports every
 * 4 KiB of every fetch body to DevTools (`Network.dataReceived`) and wrangler
 * forwards each report to its Node process over a new loopback connection.
 * A video upload then opens ~250 sockets per MB, hits workerd's open-file
 * limit near 200 MB, and the server stops answering. Without the inspector
 * the same transfer keeps a handful of sockets and runs many times faster.
 *
 * wrangler's local observability (a trace of every request, kept in a
 * SQLite store under the persist directory) is off unless
 * X_LOCAL_OBSERVABILITY is set: it more than doubled the runtime's CPU per
 * request (tools/list: 2.5 ms instead of 1.0 ms, wrangler 4.164).
 *
 * Without the inspector, requests reach the Worker's workerd through a TCP
 * splice (tcp-front.mjs) rather than through wrangler's ProxyWorker, a second
 * workerd that cost more CPU per request than the Worker itself.
 *
 * It also tells the Worker whether it listens on loopback only
 * (`LOOPBACK_ONLY`): the Worker cannot see the address it was reached on,
 * and a loopback server must refuse requests that name another host
 * (DNS-rebinding protection, src/http/host-check.ts).
 *
 * `--without-strict-public-fetch` runs it without wrangler.toml's
 * `global_fetch_strictly_public` compatibility flag. Deployed, that flag sends
 * every fetch out as a public one, and the OAuth library offers Client ID
 * Metadata Documents only with it; newer runtimes also refuse loopback
 * fetches under it, which local fakes need. The tests use this to check the
 * server both ways.
 *
 *   node scripts/serve.mjs [--ip 127.0.0.1] [--port 8787] [--env-file F]
 *                          [--persist-to DIR] [--inspector] [--watch]
 *                          [--without-strict-public-fetch]
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { unstable_DevEnv, unstable_readConfig, unstable_startWorker } from "wrangler";
import { TcpFrontController } from "./tcp-front.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** True for an address or name that only this machine can reach. */
export function isLoopbackAddress(ip) {
  return /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\])$/i.test(ip);
}

/**
 * Starts the Worker; resolves once it answers, with its URL and a stop
 * function. `inspector`: false, true (the default port) or a port number.
 */
export async function serve({
  ip = "127.0.0.1",
  port = 8787,
  envFile,
  persistTo,
  inspector = false,
  watch = false,
  strictPublicFetch = true
}) {
  // Read by wrangler when it builds the runtime's options; a value the user set wins.
  process.env.X_LOCAL_OBSERVABILITY ??= "false";
  const config = join(root, "wrangler.toml");
  const compatibilityFlags = strictPublicFetch
    ? undefined
    : unstable_readConfig({ config }).compatibility_flags.filter((flag) => flag !== "global_fetch_strictly_public");
  // Without the inspector, the Worker's own workerd is reached through a plain
  // TCP splice instead of wrangler's ProxyWorker (tcp-front.mjs says why).
  const start =
    inspector === false
      ? (options) => new unstable_DevEnv({ proxyFactory: () => new TcpFrontController() }).startWorker(options)
      : unstable_startWorker;
  const worker = await start({
    config,
    ...(compatibilityFlags ? { compatibilityFlags } : {}),
    ...(envFile ? { envFiles: [envFile] } : {}),
    bindings: { LOOPBACK_ONLY: { type: "plain_text", value: String(isLoopbackAddress(ip)) } },
    dev: {
      server: { hostname: ip, port },
      inspector: inspector === false ? false : typeof inspector === "number" ? { port: inspector } : {},
      watch,
      ...(persistTo ? { persist: persistTo } : {})
    }
  });
  await worker.ready;
  return { url: (await worker.url).toString().replace(/\/$/, ""), stop: () => worker.dispose() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      ip: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8787" },
      "env-file": { type: "string" },
      "persist-to": { type: "string" },
      inspector: { type: "boolean", default: false },
      watch: { type: "boolean", default: false },
      "without-strict-public-fetch": { type: "boolean", default: false }
    }
  });
  const server = await serve({
    ip: values.ip,
    port: Number(values.port),
    envFile: values["env-file"],
    persistTo: values["persist-to"],
    inspector: values.inspector,
    watch: values.watch,
    strictPublicFetch: !values["without-strict-public-fetch"]
  });
  console.log(`Ready on ${server.url}`);
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      void server.stop().finally(() => process.exit(0));
    });
  }
}
