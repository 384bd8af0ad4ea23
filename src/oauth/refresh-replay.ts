/**
 * Refresh-token replay detection (OAuth 2.1 §4.3.1, the OAuth Security BCP
 * §4.14), in front of the library's token endpoint.
 *
 * The library rotates the refresh token on every refresh but keeps the one
 * just exchanged valid too, on purpose, for a client whose answer was lost;
 * it has no limit on how often, and no way to tell that two parties hold the
 * grant. So this module remembers, per grant, the hash of the refresh token
 * it last issued (read from the library's own answer), the hash of the one
 * exchanged for it, and when. A refresh that shows any other token of the
 * grant means two parties hold it (a thief and the client): the whole grant
 * is revoked, every access and refresh token of it, and the request gets
 * `invalid_grant`. One exception, the grace retry: the token exchanged last
 * may be shown once more within `REFRESH_REUSE_GRACE_SECONDS` of its
 * exchange, for a client whose answer never arrived. The library answers
 * that retry with a new pair and drops the pair of the lost answer; if that
 * pair turns up later, two parties held the grant after all, and it is revoked.
 *
 * The record is ours (`refresh-rotation:<grant id>` in the OAuth KV), not the
 * library's grant record, so nothing here depends on how the library stores
 * grants; only on its token shape (`<user>:<grant id>:<secret>`, server.ts).
 * @module
 */
import type { Env } from "../env";
import { readBodyText } from "../http/body";
import { issuedTokenGrantId, OWNER_USER_ID, REFRESH_TOKEN_TTL_SECONDS, type OAuthStack } from "./server";

/** How long after a refresh the token it exchanged may be shown once more (a client whose answer was lost). */
export const REFRESH_REUSE_GRACE_SECONDS = 60;
const KEY_PREFIX = "refresh-rotation:";

interface Rotation {
  /** Hash of the refresh token issued last: the one the grant's client should show next. */
  current: string;
  /** Hash of the refresh token exchanged for it. */
  previous: string;
  /** Epoch milliseconds of that exchange (not moved by a grace retry). */
  rotatedAt: number;
  /** Whether `previous` has had its one retry. */
  retried: boolean;
}

function isRotation(value: unknown): value is Rotation {
  // SAFETY: read only through `?.` and typeof checks, so any stored value is safe to look at.
  const record = value as Rotation | null;
  return (
    typeof record?.current === "string" &&
    typeof record.previous === "string" &&
    typeof record.rotatedAt === "number" &&
    typeof record.retried === "boolean"
  );
}

async function tokenHash(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** The refresh token of a `refresh_token` grant request, when it has the shape of one this server issued. */
async function presentedRefreshToken(request: Request): Promise<{ token: string; grantId: string } | undefined> {
  if (!(request.headers.get("Content-Type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded"))
    return undefined;
  const form = new URLSearchParams(await readBodyText(request.clone()));
  const token = form.get("refresh_token");
  if (form.get("grant_type") !== "refresh_token" || token === null) return undefined;
  const grantId = issuedTokenGrantId(token);
  return grantId === undefined ? undefined : { token, grantId };
}

function replayRefusal(): Response {
  return Response.json(
    {
      error: "invalid_grant",
      error_description: "This refresh token was already used, so the grant is revoked; authorize again."
    },
    { status: 400, headers: { "Cache-Control": "no-store", Pragma: "no-cache" } }
  );
}

/**
 * Answers a token endpoint request with `exchange` (the library), checking a
 * refresh first: a replayed refresh token revokes its grant. Other requests
 * pass through untouched.
 */
export async function exchangeWithReplayCheck(
  stack: OAuthStack,
  request: Request,
  env: Env,
  exchange: () => Promise<Response>
): Promise<Response> {
  const presented = await presentedRefreshToken(request);
  if (presented === undefined) return exchange();
  const key = KEY_PREFIX + presented.grantId;
  const stored: unknown = await env.OAUTH_KV.get(key, { type: "json" });
  const rotation = isRotation(stored) ? stored : undefined;
  const hash = await tokenHash(presented.token);
  const now = Date.now();
  const retry =
    rotation !== undefined &&
    hash === rotation.previous &&
    !rotation.retried &&
    now - rotation.rotatedAt <= REFRESH_REUSE_GRACE_SECONDS * 1000;
  if (rotation !== undefined && hash !== rotation.current && !retry) {
    await stack.authorizationServer.getOAuthApi(env).revokeGrant(presented.grantId, OWNER_USER_ID);
    await env.OAUTH_KV.delete(key);
    console.warn("OAuth refresh token shown again: its grant is revoked (replay).");
    return replayRefusal();
  }

  const response = await exchange();
  if (response.status !== 200) return response;
  // SAFETY: a 200 from the token endpoint is a token response object (RFC 6749 §5.1); the field is checked below.
  const issued = ((await response.clone().json()) as { refresh_token?: unknown }).refresh_token;
  if (typeof issued === "string") {
    const next: Rotation = {
      current: await tokenHash(issued),
      previous: hash,
      rotatedAt: retry ? rotation.rotatedAt : now,
      retried: retry
    };
    await env.OAUTH_KV.put(key, JSON.stringify(next), { expirationTtl: REFRESH_TOKEN_TTL_SECONDS });
  }
  return response;
}
