/**
 * Refuses video URLs that would make the server fetch from places only it
 * can reach (loopback, private networks, cloud metadata) unless
 * `ALLOW_PRIVATE_VIDEO_URLS` is set for local testing.
 *
 * The host is judged in its canonical form: the URL parser has already
 * lowercased names, percent-decoded and IDNA-mapped them, and rewritten
 * decimal, octal and hex IPv4 spellings and IPv6 literals; this drops the
 * trailing dots it keeps (`localhost.`) and looks through IPv6 forms that
 * carry an IPv4 address (mapped, NAT64, 6to4...).
 * @module
 */
import { UserFacingError } from "../errors";
import { embeddedIpv4, parseIpv4, parseIpv6 } from "./ip-address";

export class VideoUrlError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "VideoUrlError";
  }
}

/**
 * Names that resolve only inside a machine or a private network: the
 * special-use and private-use suffixes (RFC 6761, 6762 appendix G, 8375),
 * and `localdomain` from `/etc/hosts`. Names without a dot (`localhost`,
 * `metadata`, `ip6-localhost`, an intranet host) are refused separately.
 */
const PRIVATE_SUFFIXES = [
  "localhost",
  "local",
  "internal",
  "localdomain",
  "home.arpa",
  "lan",
  "intranet",
  "corp",
  "private",
  "home"
];

// SAFETY (the `!`s): callers pass the four octets of an address (`parseIpv4`, `embeddedIpv4`).
function isPrivateIpv4([a, b, c]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 192 && b === 88 && c === 99) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a! >= 224
  );
}

/**
 * An IPv6 address that carries an IPv4 one is judged by it. Otherwise only
 * global unicast (2000::/3) passes, less the special-purpose 2001::/23
 * (Teredo, benchmarking, ORCHID...) and the documentation ranges.
 */
function isPrivateIpv6(bytes: Uint8Array): boolean {
  const ipv4 = embeddedIpv4(bytes);
  if (ipv4) return isPrivateIpv4(ipv4);
  const [first = 0, second = 0, third = 0, fourth = 0] = bytes;
  const globalUnicast = (first & 0xe0) === 0x20;
  const specialPurpose = first === 0x20 && second === 0x01 && third < 0x02;
  const documentation =
    (first === 0x20 && second === 0x01 && third === 0x0d && fourth === 0xb8) ||
    (first === 0x3f && second === 0xff && third < 0x10);
  return !globalUnicast || specialPurpose || documentation;
}

function isPrivateName(name: string): boolean {
  return !name.includes(".") || PRIVATE_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}

/** True when `hostname` (as `URL.hostname` gives it) names a loopback, private or metadata address. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.+$/, "");
  if (host.startsWith("[")) {
    const bytes = parseIpv6(host);
    return bytes === null || isPrivateIpv6(bytes);
  }
  const octets = parseIpv4(host);
  return octets ? isPrivateIpv4(octets) : isPrivateName(host);
}

/**
 * Parses and checks a video URL: http(s) only, no credentials, and no
 * private or loopback host unless `allowPrivate`.
 */
export function checkVideoUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new VideoUrlError(`Not a valid URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new VideoUrlError("Video URLs must use http or https.");
  }
  if (url.username || url.password) {
    throw new VideoUrlError("Video URLs must not contain credentials.");
  }
  if (!allowPrivate && isPrivateHost(url.hostname)) {
    throw new VideoUrlError(
      `Refusing to fetch ${url.hostname}: loopback, private and metadata addresses are not allowed (set ALLOW_PRIVATE_VIDEO_URLS=true for local testing).`
    );
  }
  return url;
}
