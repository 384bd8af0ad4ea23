/**
 * The official conformance suite's CLI (`@modelcontextprotocol/conformance`),
 * run as a child process on Node 22 or newer (CONFORMANCE_NODE, else the
 * Node running the tests), and the checks it writes.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const node = process.env.CONFORMANCE_NODE ?? process.execPath;
const cli = join(
  createRequire(import.meta.url).resolve("@modelcontextprotocol/conformance/package.json"),
  "..",
  "dist",
  "index.js"
);

export interface Check {
  id: string;
  name: string;
  status: string;
  errorMessage?: string;
}

export interface Run {
  output: string;
  exitCode: number | null;
}

/** Throws unless the suite's Node is 22 or newer. */
export async function requireNode22(): Promise<void> {
  const version = await new Promise<string>((resolve, reject) => {
    const child = spawn(node, ["--version"]);
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", () => resolve(out.trim()));
  });
  if (!(Number(/^v(\d+)/.exec(version)?.[1]) >= 22)) {
    throw new Error(
      `The conformance suite needs Node 22 or newer; ${node} is ${version}. Run on Node 22, or set CONFORMANCE_NODE.`
    );
  }
}

/**
 * Runs the suite's CLI; `onLine` sees each line it prints. Resolves with
 * everything it printed and its exit code; the process is stopped (by its
 * pid) if it outlives `timeoutMs`.
 */
export function runConformance(args: string[], onLine: (line: string) => void = () => {}, timeoutMs = 100_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let pending = "";
    const feed = (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    };
    child.stdout.on("data", feed);
    child.stderr.on("data", feed);
    const timer = setTimeout(() => {
      process.kill(child.pid!, "SIGTERM");
      reject(new Error(`conformance ${args.join(" ")} did not finish in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve({ output, exitCode });
    });
  });
}

/** The checks the suite wrote for `scenario` under `outputDir` (its latest run). */
export function checksOf(outputDir: string, scenario: string): Check[] {
  const dirs = readdirSync(outputDir)
    .filter((name) => name.includes(scenario))
    .map((name) => join(outputDir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!dirs[0]) throw new Error(`No results for ${scenario} in ${outputDir}: ${readdirSync(outputDir).join(", ")}`);
  return JSON.parse(readFileSync(join(dirs[0], "checks.json"), "utf8")) as Check[];
}
