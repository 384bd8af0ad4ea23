#!/usr/bin/env node
/**
 * Copies the console's browser libraries from node_modules into
 * public/console/vendor/, so the page loads them from this server and from
 * nowhere else. Run it after updating lit-html, marked, dompurify or
 * tus-js-client (`npm run vendor`); test/node/console-vendor.test.ts fails
 * while a copy differs from its package.
 *
 *   node scripts/vendor-console.mjs
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Each vendored file: where it comes from in node_modules, and its name in public/console/vendor/. */
export const VENDORED = [
  { from: "lit-html/lit-html.js", to: "lit-html.js" },
  { from: "marked/lib/marked.esm.js", to: "marked.esm.js" },
  { from: "dompurify/dist/purify.es.mjs", to: "purify.es.mjs" },
  // A classic script (UMD): it sets `window.tus` for the upload modules.
  { from: "tus-js-client/dist/tus.min.js", to: "tus.min.js" }
];

export const VENDOR_DIR = join(root, "public", "console", "vendor");

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(VENDOR_DIR, { recursive: true });
  for (const { from, to } of VENDORED) copyFileSync(join(root, "node_modules", from), join(VENDOR_DIR, to));
  console.log(`Copied ${VENDORED.length} files into ${VENDOR_DIR}.`);
}
