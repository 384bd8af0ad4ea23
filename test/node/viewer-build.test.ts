/**
 * The viewer's page the Worker serves (src/viewer/viewer-html.ts) is what
 * `npm run build:viewer` makes of public/viewer/ and the installed
 * packages: after changing either, the build must be run and its result
 * committed.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script without type declarations
import { buildViewerHtml, VIEWER_MODULE, viewerModule } from "../../scripts/build-viewer.mjs";

describe("src/viewer/viewer-html.ts", () => {
  it("is the build of public/viewer/ as it stands", async () => {
    const built = (viewerModule as (page: string) => string)(await (buildViewerHtml as () => Promise<string>)());
    expect(readFileSync(VIEWER_MODULE as string, "utf8") === built).toBe(true);
  });

  it("is one page with its script inline, patched to run in a blob: frame", async () => {
    const page = await (buildViewerHtml as () => Promise<string>)();
    expect(page).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*stylesheet/i);
    expect(page).toContain('self.location.protocol!=="blob:"');
    expect(page.match(/<\/script/g)).toHaveLength(1);
  });
});
