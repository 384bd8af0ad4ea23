/**
 * Finds the workerd processes under the server's process tree and samples
 * their memory, open files and listening ports from /proc (Linux).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** The pids of the `workerd` processes started under `rootPid`. */
export function findWorkerd(rootPid: number): number[] {
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (pid !== rootPid && /(^|\/)workerd\s/.test(commandOf(pid))) found.push(pid);
    queue.push(...children(pid));
  }
  return found;
}

export interface ProcessSample {
  rssBytes: number;
  openFiles: number;
}

/** True while `pid` runs. */
export function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** RSS and open files, summed over those of `pids` that still run. */
export function sampleProcesses(pids: number[]): ProcessSample {
  let rssBytes = 0;
  let openFiles = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      rssBytes += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      openFiles += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // Gone: it counts for nothing (the caller can ask isRunning).
    }
  }
  return { rssBytes, openFiles };
}

/** Open files of each of `pids`, in order (0 for one that is gone). */
export function openFilesEach(pids: number[]): number[] {
  return pids.map((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      return 0;
    }
  });
}

/** The soft limit on open files of `pid` (its `ulimit -n`), or undefined when unknown. */
export function openFileLimit(pid: number): number | undefined {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Samples `pids` every `intervalMs` until stopped; keeps the peaks. */
export function watchProcesses(pids: number[], intervalMs = 100) {
  const sampleProcess = () => sampleProcesses(pids);
  const first = sampleProcess();
  const peak = { ...first };
  const timer = setInterval(() => {
    try {
      const sample = sampleProcess();
      peak.rssBytes = Math.max(peak.rssBytes, sample.rssBytes);
      peak.openFiles = Math.max(peak.openFiles, sample.openFiles);
    } catch {
      // The process is gone; the peaks so far stand.
    }
  }, intervalMs);
  return {
    baseline: first,
    stop(): { baseline: ProcessSample; peak: ProcessSample; last: ProcessSample } {
      clearInterval(timer);
      return { baseline: first, peak, last: sampleProcess() };
    }
  };
}

/** The TCP ports `pid` listens on (IPv4 and IPv6), from its socket inodes and /proc/<pid>/net/tcp*. */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // Closed meanwhile.
    }
  }
  const ports = new Set<number>();
  for (const table of ["tcp", "tcp6"]) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is "HEXIP:HEXPORT", st 0A is LISTEN, the inode is the 10th field.
      if (fields[3] === "0A" && inodes.has(fields[9] ?? "")) ports.add(Number.parseInt(fields[1]!.split(":")[1]!, 16));
    }
  }
  return [...ports];
}

/**
 * The user Worker's own workerd socket, bypassing wrangler's dev proxy: the
 * port of a workerd under `rootPid` that is not `proxyPort` and answers
 * `GET /health`. Null when there is none (e.g. a wrangler without a proxy).
 */
export async function directWorkerUrl(rootPid: number, proxyPort: number): Promise<string | null> {
  for (const pid of findWorkerd(rootPid)) {
    const ports = listeningPorts(pid);
    if (ports.includes(proxyPort)) continue;
    for (const port of ports) {
      const url = `http://127.0.0.1:${port}`;
      try {
        const response = await fetch(`${url}/health`);
        const body = (await response.json()) as { status?: string };
        if (response.ok && body.status === "ok") return url;
      } catch {
        // Not an HTTP socket of the Worker.
      }
    }
  }
  return null;
}

/**
 * CPU seconds (user + system) `pids` have used so far, from /proc/<pid>/stat
 * (fields 14 and 15, in the kernel's USER_HZ ticks, 100 a second on Linux).
 * A pid that is gone counts for nothing.
 */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // The command name (field 2) may hold spaces; the fields after it are fixed.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone.
    }
  }
  return ticks / 100;
}
