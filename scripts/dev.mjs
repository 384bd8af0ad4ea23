#!/usr/bin/env node
/**
 * `npm run dev`: makes sure `.dev.vars` has a 64-character SHARED_SECRET,
 * prints how to connect, then runs `wrangler dev` on 127.0.0.1.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { ensureDevVars } from "./dev-vars.mjs";
import { connectionHints } from "./hints.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const host = "127.0.0.1";
const port = Number(process.env.PORT ?? 8787);

const { vars, wroteSecret } = ensureDevVars(join(root, ".dev.vars"), join(root, ".dev.vars.example"));
if (wroteSecret) console.log("Wrote a fresh 64-character SHARED_SECRET to .dev.vars.");
if (!vars.GOOGLE_API_KEY) {
  console.log(
    "GOOGLE_API_KEY is not set in .dev.vars: the server starts, but analyses will answer that the key is missing."
  );
}
console.log(connectionHints(`http://${host}:${port}`, vars.SHARED_SECRET));

const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const child = spawn(process.execPath, [wrangler, "dev", "--ip", host, "--port", String(port), ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit"
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
