/**
 * Refuses video URLs that would make the server fetch from places only it
 * can reach (loopback, private networks, cloud metadata) unless
 * `ALLOW_PRIVATE_VIDEO_URLS` is set for local testing.
 * @module
 */

export class VideoUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VideoUrlError";
  }
}

const PRIVATE_NAMES = /^(localhost|.*\.localhost|.*\.local|.*\.internal|metadata|metadata\.google\.internal)$/i;

function ipv4Octets(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4) return null;
  const octets = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  return octets.every((octet) => octet >= 0 && octet <= 255) ? octets : null;
}

function isPrivateIpv4([a, b]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a! >= 224
  );
}

function isPrivateIpv6(host: string): boolean {
  const address = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (address === "::" || address === "::1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return isPrivateIpv4(ipv4Octets(mapped[1]!)!);
  if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(address)) return true;
  return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(address);
}

/**
 * Parses and checks a video URL: http(s) only, no credentials, and no
 * private or loopback host unless `allowPrivate`. The URL parser has already
 * normalised decimal, octal and hex IPv4 spellings to dotted form.
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
  if (allowPrivate) return url;
  const host = url.hostname;
  const octets = ipv4Octets(host);
  const isPrivate = octets
    ? isPrivateIpv4(octets)
    : host.startsWith("[")
      ? isPrivateIpv6(host)
      : PRIVATE_NAMES.test(host);
  if (isPrivate) {
    throw new VideoUrlError(
      `Refusing to fetch ${host}: loopback, private and metadata addresses are not allowed (set ALLOW_PRIVATE_VIDEO_URLS=true for local testing).`
    );
  }
  return url;
}
