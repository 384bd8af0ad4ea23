/**
 * Slows down wrong secrets on the consent page: after each wrong secret
 * from an address, the next attempt from it is refused unanswered until a
 * delay has passed that doubles with every failure (1 s, 2 s, 4 s ... up to
 * `MAX_DELAY_SECONDS`); the right secret clears the record.
 *
 * The record lives in the OAuth KV namespace, under the client's address
 * (`CF-Connecting-IP`, which Cloudflare sets and clients cannot), so it holds
 * across isolates and restarts with no other binding. KV is eventually
 * consistent between locations (a minute at most), so an attacker spread
 * across Cloudflare's locations gets a few more tries per delay; with a
 * 64-character secret this slows guessing down, it is not what makes
 * guessing hopeless.
 * @module
 */

export const MAX_DELAY_SECONDS = 5 * 60;
/** A record is forgotten this long after the last failure. */
const RECORD_TTL_SECONDS = 60 * 60;
const KEY_PREFIX = "consent-failures:";

interface FailureRecord {
  failures: number;
  /** Epoch milliseconds before which no attempt is heard. */
  until: number;
}

/** The address the throttle counts by; one shared bucket where the runtime names none. */
export function clientAddress(request: Request): string {
  return request.headers.get("CF-Connecting-IP")?.trim() || "unknown";
}

function isRecord(value: unknown): value is FailureRecord {
  const record = value as FailureRecord | null;
  return typeof record?.failures === "number" && typeof record.until === "number";
}

async function read(kv: KVNamespace, address: string): Promise<FailureRecord | null> {
  const value = await kv.get(KEY_PREFIX + address, { type: "json" }).catch(() => null);
  return isRecord(value) ? value : null;
}

/** Seconds to wait before the next attempt from `address` is heard; 0 when it may try now. */
export async function waitSeconds(kv: KVNamespace, address: string, now = Date.now()): Promise<number> {
  const record = await read(kv, address);
  return record && record.until > now ? Math.ceil((record.until - now) / 1000) : 0;
}

/** Counts a wrong secret; resolves with the seconds until the next attempt is heard. */
export async function recordFailure(kv: KVNamespace, address: string, now = Date.now()): Promise<number> {
  const failures = ((await read(kv, address))?.failures ?? 0) + 1;
  const delaySeconds = Math.min(2 ** (failures - 1), MAX_DELAY_SECONDS);
  const record: FailureRecord = { failures, until: now + delaySeconds * 1000 };
  await kv.put(KEY_PREFIX + address, JSON.stringify(record), { expirationTtl: RECORD_TTL_SECONDS });
  return delaySeconds;
}

/** Forgets the failures of `address` after the right secret. */
export async function clearFailures(kv: KVNamespace, address: string): Promise<void> {
  await kv.delete(KEY_PREFIX + address);
}
