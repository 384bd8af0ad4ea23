/**
 * Rate limits on the OAuth routes anyone may call without credentials and
 * that write to `OAUTH_KV`: dynamic client registration, and opening the
 * consent page (a consent transaction). They use Cloudflare's Rate Limiting
 * bindings (`[[ratelimits]]` in wrangler.toml, where the numbers are), which
 * count across isolates; under `wrangler dev` and in the tests Miniflare
 * counts the same way.
 *
 * The key is the client's address where Cloudflare's edge vouches for it
 * (`http/client-address.ts`); every other request (a local server, where a
 * client could choose the header) shares one key, "unknown". That can hold back a stranger along with a flood, never the owner's
 * secret: these limits guard registration and the consent page, not sign-in.
 * @module
 */
import { edgeClientAddress } from "../http/client-address";

/** The one window of both limits (wrangler.toml's `period`): what `Retry-After` says. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;
/** Registrations per address per window (wrangler.toml's REGISTER_RATE_LIMIT). */
export const REGISTRATIONS_PER_WINDOW = 10;
/** Consent pages opened per address per window (wrangler.toml's AUTHORIZE_RATE_LIMIT). */
export const CONSENT_PAGES_PER_WINDOW = 30;

/** The key a request is counted under: its client address, or one shared key where the edge names none. */
export function rateLimitKey(request: Request): string {
  return edgeClientAddress(request) ?? "unknown";
}

/** True while the request's address is within `limiter`'s limit; each call counts once. */
export async function withinRateLimit(limiter: RateLimit, request: Request): Promise<boolean> {
  const { success } = await limiter.limit({ key: rateLimitKey(request) });
  return success;
}

/** The answer to a request over a limit on a JSON route (`/register`): 429, an OAuth-style error, `Retry-After`. */
export function rateLimitedJson(what: string): Response {
  return Response.json(
    {
      error: "temporarily_unavailable",
      error_description: `Too many ${what} from this address; try again in ${RATE_LIMIT_PERIOD_SECONDS} seconds.`
    },
    {
      status: 429,
      headers: { "Retry-After": String(RATE_LIMIT_PERIOD_SECONDS), "Cache-Control": "no-store" }
    }
  );
}
