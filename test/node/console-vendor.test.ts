/**
 * The console's vendored libraries (public/console/vendor/) are exactly the
 * files of the installed packages: after an update of lit-html, marked,
 * dompurify or tus-js-client, `npm run vendor` must be run and its result
 * committed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script without type declarations
import { VENDOR_DIR, VENDORED } from "../../scripts/vendor-console.mjs";

const root = join(import.meta.dirname, "..", "..");

describe("public/console/vendor", () => {
  it.each(VENDORED as { from: string; to: string }[])("$to is node_modules/$from as installed", ({ from, to }) => {
    const vendored = readFileSync(join(VENDOR_DIR as string, to));
    const installed = readFileSync(join(root, "node_modules", from));
    expect(vendored.equals(installed)).toBe(true);
  });
});
