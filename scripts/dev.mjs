#!/usr/bin/env node
/**
 * `npm run dev`: makes sure `.dev.vars` (or `--env-file`) has a 64-character
 * SHARED_SECRET, starts the Worker (see serve.mjs), and prints how to
 * connect. It takes `wrangler dev`'s options `--port`, `--ip`,
 * `--inspector` / `--inspector-port` (the inspector slows large uploads down
 * and caps them near 200 MB; see serve.mjs), `--persist-to` and `--env-file`.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDevArgs, USAGE, UsageError } from "./dev-args.mjs";
import { ensureDevVars } from "./dev-vars.mjs";
import { connectionHints } from "./hints.mjs";
import { isLoopbackAddress, serve } from "./serve.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

let options;
try {
  options = parseDevArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}

const varsFile = options.envFile ?? join(root, ".dev.vars");
const { vars, wroteSecret } = ensureDevVars(varsFile, join(root, ".dev.vars.example"));
if (wroteSecret) console.log(`Wrote a fresh 64-character SHARED_SECRET to ${varsFile}.`);
if (!vars.GOOGLE_API_KEY) {
  console.log(`GOOGLE_API_KEY is not set in ${varsFile}: the server starts, but analyses will answer that the key is missing.`);
}
if (!isLoopbackAddress(options.ip)) {
  console.log(
    `Listening on ${options.ip}, not loopback: requests naming any host are answered (no DNS-rebinding Host check), and anyone who can reach this address and has the secret can use the server.`
  );
}
const server = await serve({ ...options, watch: true });
console.log(connectionHints(server.url, varsFile));
console.log("Press Ctrl+C to stop.");
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    void server.stop().finally(() => process.exit(0));
  });
}
