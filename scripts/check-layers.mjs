#!/usr/bin/env node
/**
 * Checks that imports between the source files flow one way: no import
 * cycle, no import from a higher layer, and neither of transports and tools
 * importing the other. Type-only imports count: a type that points up is a
 * dependency that points up.
 *
 *   node scripts/check-layers.mjs [--root DIR]   (default: the repo's src/)
 *
 * Prints each problem and exits 1, or exits 0 when there is none.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The layers, top first; a file may import its own layer and those below. Paths are relative to src/. */
export const LAYERS = [
  { name: "worker", paths: ["worker.ts"] },
  { name: "upload routes", paths: ["uploads/routes.ts"] },
  { name: "console", paths: ["console/"] },
  { name: "oauth", paths: ["oauth/"] },
  {
    name: "session",
    paths: ["session-do.ts", "stateless-rpc.ts", "mcp-server.ts", "session/", "tasks/", "admission/", "uploads/"]
  },
  { name: "transports and tools", paths: ["transport/", "tools/", "resources/", "viewer/"] },
  { name: "library", paths: ["library/"] },
  { name: "jobs", paths: ["jobs/"] },
  { name: "gemini, video, analysis", paths: ["gemini/", "video/", "analysis/", "cost/"] },
  { name: "http and config", paths: ["http/", "config.ts", "env.ts", "errors.ts", "ids/", "storage/"] }
];

/** Siblings in one layer that must not know each other. */
export const STRANGERS = [
  ["transport/", "tools/"],
  ["transport/", "resources/"]
];

const IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.[^"]+)"|^\s*import\s+"(\.[^"]+)"/gm;

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

function resolveImport(root, from, specifier) {
  const base = resolve(dirname(join(root, from)), specifier);
  const candidates = [base, `${base}.ts`, base.replace(/\.js$/, ".ts"), join(base, "index.ts")];
  const found = candidates.find((candidate) => {
    try {
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
  return found ? relative(root, found) : undefined;
}

function matches(file, path) {
  return path.endsWith("/") ? file.startsWith(path) : file === path;
}

function layerOf(file) {
  const index = LAYERS.findIndex((layer) => layer.paths.some((path) => matches(file, path)));
  return index === -1 ? undefined : index;
}

/** `file -> [imported files]` for every source file under `root`. */
export function importGraph(root) {
  const graph = new Map();
  for (const path of sourceFiles(root)) {
    const file = relative(root, path);
    const imports = new Set();
    for (const match of readFileSync(path, "utf8").matchAll(IMPORT)) {
      const target = resolveImport(root, file, match[1] ?? match[2]);
      if (target) imports.add(target);
    }
    graph.set(file, [...imports]);
  }
  return graph;
}

/** Strongly connected components of more than one file (or a file importing itself): the cycles. */
function cycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (file) => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file), index.get(next)));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.sort());
    }
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return found;
}

/** Every problem in the tree under `root`, as lines to print. */
export function layerProblems(root) {
  const graph = importGraph(root);
  const problems = [];
  for (const [file, imports] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    const layer = layerOf(file);
    if (layer === undefined) {
      problems.push(`${file}: in no layer (add it to LAYERS in scripts/check-layers.mjs)`);
      continue;
    }
    for (const target of imports) {
      const targetLayer = layerOf(target);
      if (targetLayer !== undefined && targetLayer < layer) {
        problems.push(`${file} imports ${target}: upward, from ${LAYERS[layer].name} to ${LAYERS[targetLayer].name}`);
      }
      for (const [one, other] of STRANGERS) {
        if ((matches(file, one) && matches(target, other)) || (matches(file, other) && matches(target, one))) {
          problems.push(`${file} imports ${target}: ${one} and ${other} must not know each other`);
        }
      }
    }
  }
  for (const component of cycles(graph)) problems.push(`import cycle: ${component.join(" -> ")}`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { root: { type: "string" } } });
  const root = resolve(values.root ?? join(dirname(fileURLToPath(import.meta.url)), "..", "src"));
  const problems = layerProblems(root);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(`${problems.length} layering problem(s); see CONTRIBUTING.md for the layers.`);
    process.exit(1);
  }
  console.log("Imports flow one way: no cycle, no upward import.");
}
