/**
 * Starts a Node script as the leader of its own process group, keeps the tail
 * of what it prints, and stops the whole group by its id (SIGTERM, then
 * SIGKILL after a grace period), so nothing it started is left running.
 */
import { spawn, type ChildProcess } from "node:child_process";

/** How much of the process's output is kept, from the end. */
const OUTPUT_TAIL_CHARS = 64 * 1024;
const STOP_GRACE_MS = 5_000;

export interface ProcessGroup {
  /** The leader's pid (also the group id). */
  pid: number;
  /** The last 64 KiB of what the process printed. */
  output(): string;
  /** True once the leader has exited. */
  exited(): boolean;
  /** Resolves when the leader exits, with its exit code (null when a signal ended it). */
  exit: Promise<number | null>;
  /** Stops the whole group; resolves once the leader has exited. */
  stop(): Promise<void>;
}

export function spawnProcessGroup(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ProcessGroup {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: options.cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? process.env
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  return {
    pid: child.pid!,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    exit,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      signalGroup("SIGTERM");
      const stopped = await Promise.race([exit.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!stopped) {
        signalGroup("SIGKILL");
        await exit;
      }
    }
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
