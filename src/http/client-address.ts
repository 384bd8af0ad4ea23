/**
 * The client's address, where Cloudflare's edge vouches for it.
 *
 * `CF-Connecting-IP` is trusted only on a request that crossed the edge,
 * which sets the header itself and replaces any a client sent. The code knows
 * that from where the request was sent: an https URL whose host is not
 * loopback. Cloudflare routes only the Worker's own names (or a tunnel's) to
 * it, over https; a local server (`wrangler dev`, `npm run dev`) is reached
 * over plain http on a loopback name, and there the header is whatever the
 * client wrote (miniflare fills it in only when missing). A tunnel's requests
 * name `PUBLIC_URL`'s https origin (worker.ts rewrites them), and cloudflared
 * passes on the header the edge set. (`request.cf` cannot tell: miniflare
 * gives every local request one too.)
 * @module
 */
import { isLoopbackHostname } from "./loopback";

/** True when the request came through Cloudflare's edge, which sets `CF-Connecting-IP` itself. */
export function crossedCloudflareEdge(request: Request): boolean {
  const url = new URL(request.url);
  return url.protocol === "https:" && !isLoopbackHostname(url.hostname);
}

/** `CF-Connecting-IP` where the edge set it; undefined where a client could have chosen it. */
export function edgeClientAddress(request: Request): string | undefined {
  if (!crossedCloudflareEdge(request)) return undefined;
  return request.headers.get("CF-Connecting-IP")?.trim() || undefined;
}
