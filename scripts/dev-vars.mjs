/**
 * Reads and repairs `.dev.vars` for `npm run dev`: a missing file or a
 * SHARED_SECRET that is not 64 characters gets a fresh random secret; a valid
 * one is never touched.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export const SECRET_LENGTH = 64;

/** Parses KEY=VALUE lines, ignoring comments and blanks; quotes are stripped. */
export function parseDevVars(text) {
  const vars = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    vars[match[1]] = match[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

/**
 * Makes sure `path` holds a valid SHARED_SECRET; returns the variables and
 * whether a new secret was written.
 */
export function ensureDevVars(path, templatePath) {
  const text = existsSync(path) ? readFileSync(path, "utf8") : existsSync(templatePath) ? readFileSync(templatePath, "utf8") : "";
  const vars = parseDevVars(text);
  if (vars.SHARED_SECRET?.length === SECRET_LENGTH && existsSync(path)) {
    return { vars, wroteSecret: false };
  }
  const secret = randomBytes(SECRET_LENGTH / 2).toString("hex");
  const line = `SHARED_SECRET=${secret}`;
  const updated = /^\s*SHARED_SECRET\s*=.*$/m.test(text) ? text.replace(/^\s*SHARED_SECRET\s*=.*$/m, line) : `${line}\n${text}`;
  writeFileSync(path, updated.endsWith("\n") ? updated : `${updated}\n`, { mode: 0o600 });
  return { vars: { ...vars, SHARED_SECRET: secret }, wroteSecret: true };
}
