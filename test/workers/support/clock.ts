/**
 * A clock the test moves forward: `Date.now()` for the test and the Worker
 * alike (the Worker runs in the tests' isolate), so a wait of seconds or
 * minutes costs none. Call `restore()` when done.
 */
import { vi } from "vitest";

export interface MovableClock {
  advance(seconds: number): void;
  restore(): void;
}

export function movableClock(): MovableClock {
  const realNow = Date.now.bind(Date);
  let offsetMs = 0;
  const spy = vi.spyOn(Date, "now").mockImplementation(() => realNow() + offsetMs);
  return {
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
    restore: () => spy.mockRestore()
  };
}
