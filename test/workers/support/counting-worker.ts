/**
 * The Worker with a `SESSIONS` binding that counts the Durable Objects it is
 * asked for: how tests show a request made no object.
 */
import { env } from "cloudflare:workers";
import worker from "../../../src/worker";

export interface CountingWorker {
  fetch: typeof fetch;
  /** How many Durable Objects the Worker asked for so far. */
  objects: () => number;
}

/** `vars` override the test environment's settings (`BODY_TIMEOUT_SECONDS: "0.2"`). */
export function countingWorker(vars: Record<string, string> = {}): CountingWorker {
  let objects = 0;
  const sessions = new Proxy(env.SESSIONS, {
    get(target, key, receiver) {
      if (key === "get") {
        return (...args: Parameters<typeof target.get>) => {
          objects += 1;
          return target.get(...args);
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    }
  });
  const counted = Object.assign({}, env, vars, { SESSIONS: sessions });
  return { fetch: (input, init) => worker.fetch(new Request(input, init), counted), objects: () => objects };
}
