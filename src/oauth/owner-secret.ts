/**
 * The owner's secret, checked as the consent page checks it: refused
 * unheard while its bucket is throttled (consent-throttle.ts), compared in
 * constant time, a wrong one counted, the right one clearing the record.
 * The consent page and the console's sign-in both go through here.
 * @module
 */
import type { Env } from "../env";
import { configuredSecret, timingSafeEqualStrings } from "../http/auth";
import { clearFailures, recordFailure, throttleBucket, waitSeconds } from "./consent-throttle";

export type SecretCheck =
  | { ok: true; secret: string }
  | { ok: false; status: 403 | 429; retryAfterSeconds: number; message: string };

function plural(seconds: number): string {
  return seconds === 1 ? "1 second" : `${seconds} seconds`;
}

/** Checks `given` against SHARED_SECRET for the client that sent `request`. */
export async function checkOwnerSecret(env: Env, request: Request, given: string): Promise<SecretCheck> {
  const bucket = throttleBucket(request);
  const wait = await waitSeconds(env.OAUTH_KV, bucket);
  if (wait > 0) {
    return {
      ok: false,
      status: 429,
      retryAfterSeconds: wait,
      message: `Too many wrong secrets: wait ${plural(wait)}, then try again.`
    };
  }
  const secret = configuredSecret(env.SHARED_SECRET);
  if (secret === undefined || !timingSafeEqualStrings(given, secret)) {
    const delay = await recordFailure(env.OAUTH_KV, bucket);
    return {
      ok: false,
      status: 403,
      retryAfterSeconds: delay,
      message: `That is not this server's secret. You can try again in ${plural(delay)}.`
    };
  }
  await clearFailures(env.OAUTH_KV, bucket);
  return { ok: true, secret };
}
