/**
 * The Worker bundle as it would be deployed: `wrangler deploy --dry-run
 * --outdir <tmp>` (no account needed, nothing uploaded), then the emitted
 * JavaScript measured raw and gzipped in Node (zlib, level 9).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { spawnProcessGroup } from "../../test/node/support/process-group";

const DRY_RUN_TIMEOUT_MS = 120_000;

export interface BundleFigures {
  files: { name: string; bytes: number; gzipBytes: number }[];
  bytes: number;
  gzipBytes: number;
  /** wrangler's own "Total Upload: … / gzip: …" line, for comparison. */
  wranglerSays: string | null;
}

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

export async function measureBundle(root: string): Promise<BundleFigures> {
  const outdir = mkdtempSync(join(tmpdir(), "gemini-video-mcp-bundle-"));
  try {
    // wrangler's package.json exports no ./bin path: find the package, then its bin script.
    const wrangler = join(
      dirname(createRequire(join(root, "package.json")).resolve("wrangler/package.json")),
      "bin",
      "wrangler.js"
    );
    const child = spawnProcessGroup([wrangler, "deploy", "--dry-run", "--outdir", outdir], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_ENV: "", FORCE_COLOR: "0" }
    });
    const timer = setTimeout(() => void child.stop(), DRY_RUN_TIMEOUT_MS);
    const code = await child.exit;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`wrangler deploy --dry-run failed (exit ${code}):\n${child.output().slice(-3000)}`);
    const files = listFiles(outdir)
      .filter((name) => /\.(m?js|wasm)$/.test(name))
      .map((name) => {
        const content = readFileSync(join(outdir, name));
        return { name, bytes: content.byteLength, gzipBytes: gzipSync(content, { level: 9 }).byteLength };
      });
    if (files.length === 0) throw new Error(`wrangler wrote no JavaScript to ${outdir}`);
    return {
      files,
      bytes: files.reduce((sum, file) => sum + file.bytes, 0),
      gzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0),
      wranglerSays: /Total Upload:[^\n]*/.exec(child.output())?.[0]?.trim() ?? null
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
