/**
 * Host names and origins that can only mean this machine: what a server
 * bound to loopback accepts in `Host`, and the browser origins its default
 * policy admits.
 * @module
 */

/**
 * True for `localhost` and `*.localhost` (RFC 6761), `127.0.0.0/8` and
 * `[::1]`, in any case and with trailing dots; `hostname` as `URL.hostname`
 * gives it (IPv4 already in dotted form).
 */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.+$/, "");
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The hostname a `Host` header names; null when the header is not a host with an optional port. */
export function hostnameOfHostHeader(value: string): string | null {
  if (/[\s/?#@\\]/.test(value)) return null;
  try {
    return new URL(`http://${value}`).hostname;
  } catch {
    return null;
  }
}

/** True for an `http:` or `https:` origin on a loopback host, any port. */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHostname(url.hostname);
  } catch {
    return false;
  }
}
