/**
 * Finds the workerd processes under the server's process tree and samples
 * their memory and open files from /proc (Linux).
 */
import { readdirSync, readFileSync } from "node:fs";

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

/** RSS and open files, summed over `pids`. */
export function sampleProcesses(pids: number[]): ProcessSample {
  let rssBytes = 0;
  let openFiles = 0;
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    rssBytes += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    openFiles += readdirSync(`/proc/${pid}/fd`).length;
  }
  return { rssBytes, openFiles };
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
