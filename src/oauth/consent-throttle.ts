/**
 * Slows down wrong secrets on the consent page and the console's sign-in:
 * after each wrong secret, the next attempt from the same bucket is refused
 * unheard until a delay has passed that doubles with every failure (1 s,
 * 2 s, 4 s ...); the right secret clears the bucket.
 *
 * The bucket is the client's address where Cloudflare's edge vouches for it
 * (`http/client-address.ts`: a forged `CF-Connecting-IP` on a local server
 * cannot pick a fresh bucket per guess), and one shared bucket everywhere else.
 * - An address's own delay grows to `MAX_DELAY_SECONDS`. The shared bucket's
 *   stops at `SHARED_MAX_DELAY_SECONDS`, since it holds the owner's attempts
 *   too: a stranger's burst costs the owner a few seconds, never more.
 *
 * A 64-character secret is 256 bits, so this is defence in depth that slows
 * guessing down, not what makes guessing hopeless. Records live in the OAuth
 * KV namespace, so they hold across isolates and restarts with no other
 * binding; KV is eventually consistent between locations (a minute at most),
 * so an attacker spread across Cloudflare's locations gets a few more tries
 * per delay.
 * @module
 */
import { edgeClientAddress } from "../http/client-address";

export const MAX_DELAY_SECONDS = 5 * 60;
export const SHARED_MAX_DELAY_SECONDS = 10;
/** A record is forgotten this long after the last failure. */
const RECORD_TTL_SECONDS = 60 * 60;
const KEY_PREFIX = "consent-failures:";

/** Whose failures an attempt counts against, and how long they can hold it up. */
export interface ThrottleBucket {
  key: string;
  maxDelaySeconds: number;
}

interface FailureRecord {
  failures: number;
  /** Epoch milliseconds before which no attempt is heard. */
  until: number;
}

/** The client's own bucket where the edge names its address; the shared bucket otherwise. */
export function throttleBucket(request: Request): ThrottleBucket {
  const address = edgeClientAddress(request);
  return address
    ? { key: `address:${address}`, maxDelaySeconds: MAX_DELAY_SECONDS }
    : { key: "shared", maxDelaySeconds: SHARED_MAX_DELAY_SECONDS };
}

function isRecord(value: unknown): value is FailureRecord {
  // SAFETY: read only through `?.` and typeof checks, so any stored value is safe to look at.
  const record = value as FailureRecord | null;
  return typeof record?.failures === "number" && typeof record.until === "number";
}

async function read(kv: KVNamespace, bucket: ThrottleBucket): Promise<FailureRecord | null> {
  const value = await kv.get(KEY_PREFIX + bucket.key, { type: "json" }).catch(() => null);
  return isRecord(value) ? value : null;
}

/** Seconds to wait before the next attempt in `bucket` is heard; 0 when it may try now. */
export async function waitSeconds(kv: KVNamespace, bucket: ThrottleBucket, now = Date.now()): Promise<number> {
  const record = await read(kv, bucket);
  return record && record.until > now ? Math.ceil((record.until - now) / 1000) : 0;
}

/** Counts a wrong secret; resolves with the seconds until the next attempt is heard. */
export async function recordFailure(kv: KVNamespace, bucket: ThrottleBucket, now = Date.now()): Promise<number> {
  const failures = ((await read(kv, bucket))?.failures ?? 0) + 1;
  const delaySeconds = Math.min(2 ** (failures - 1), bucket.maxDelaySeconds);
  const record: FailureRecord = { failures, until: now + delaySeconds * 1000 };
  await kv.put(KEY_PREFIX + bucket.key, JSON.stringify(record), { expirationTtl: RECORD_TTL_SECONDS });
  return delaySeconds;
}

/** Forgets the failures in `bucket` after the right secret. */
export async function clearFailures(kv: KVNamespace, bucket: ThrottleBucket): Promise<void> {
  await kv.delete(KEY_PREFIX + bucket.key);
}
