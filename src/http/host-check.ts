/**
 * DNS-rebinding protection for a server that listens on loopback: a page on
 * `evil.example` whose name the attacker re-points at 127.0.0.1 reaches the
 * server with `Host: evil.example`, so any request that does not name a
 * loopback host is refused.
 *
 * The Worker cannot see the address it was reached on (under `wrangler dev`
 * the request URL is rebuilt from the `Host` header), so whoever starts it
 * says so: `LOOPBACK_ONLY=true` (`npm run dev` sets it from `--ip`).
 * @module
 */
import { HttpError } from "./errors";
import { hostnameOfHostHeader, isLoopbackHostname } from "./loopback";

/**
 * A 403 `HttpError` when the request's `Host` header or URL names a host
 * that is not loopback; undefined when both are loopback.
 */
export function hostRefusal(request: Request): HttpError | undefined {
  const header = request.headers.get("Host");
  const headerHost = header === null ? null : hostnameOfHostHeader(header);
  const urlHost = new URL(request.url).hostname;
  if ((header === null || (headerHost !== null && isLoopbackHostname(headerHost))) && isLoopbackHostname(urlHost)) {
    return undefined;
  }
  return new HttpError(
    403,
    "host_not_allowed",
    `This server listens on loopback and answers only requests to localhost, 127.0.0.1 or [::1], not ${header ?? urlHost} (DNS-rebinding protection).`
  );
}
