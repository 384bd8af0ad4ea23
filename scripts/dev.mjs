#!/usr/bin/env node
/**
 * `npm run dev`: makes sure `.dev.vars` has a 64-character SHARED_SECRET,
 * starts the Worker on 127.0.0.1 (see serve.mjs), and prints how to connect.
 * `npm run dev -- --inspector` turns the DevTools inspector on (it slows
 * large uploads down and caps them near 200 MB; see serve.mjs).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureDevVars } from "./dev-vars.mjs";
import { connectionHints } from "./hints.mjs";
import { serve } from "./serve.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { inspector: { type: "boolean", default: false } } });
const port = Number(process.env.PORT ?? 8787);

const { vars, wroteSecret } = ensureDevVars(join(root, ".dev.vars"), join(root, ".dev.vars.example"));
if (wroteSecret) console.log("Wrote a fresh 64-character SHARED_SECRET to .dev.vars.");
if (!vars.GOOGLE_API_KEY) {
  console.log(
    "GOOGLE_API_KEY is not set in .dev.vars: the server starts, but analyses will answer that the key is missing."
  );
}
const server = await serve({ ip: "127.0.0.1", port, inspector: values.inspector, watch: true });
console.log(connectionHints(server.url, vars.SHARED_SECRET));
console.log("Press Ctrl+C to stop.");
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    void server.stop().finally(() => process.exit(0));
  });
}
