/**
 * IP address literals, and the IPv4 address some IPv6 forms carry inside
 * them: what the URL guard needs to judge a host by the address it names.
 * @module
 */

/** The four octets of a dotted IPv4 address, or null for anything else. */
export function parseIpv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  return octets.every((octet) => octet >= 0 && octet <= 255) ? octets : null;
}

/**
 * The 16 bytes of an IPv6 address as the URL parser writes it: bracketed or
 * not, hex groups with `::` (the parser turns a dotted IPv4 tail into hex);
 * null for anything else.
 */
export function parseIpv6(text: string): Uint8Array | null {
  const address = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const halves = address.split("::");
  if (halves.length > 2) return null;
  // SAFETY: split always yields a first part, and a second exactly when there are two halves.
  const head = hexGroups(halves[0]!);
  const rest = halves.length === 2 ? hexGroups(halves[1]!) : [];
  if (!head || !rest) return null;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** The 16-bit groups of one side of `::`; null when one is not 1 to 4 hex digits. */
function hexGroups(half: string): number[] | null {
  if (half === "") return [];
  const groups = half.split(":").map((group) => (/^[0-9a-f]{1,4}$/i.test(group) ? parseInt(group, 16) : Number.NaN));
  return groups.some(Number.isNaN) ? null : groups;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}

const ZEROS_80 = new Array<number>(10).fill(0);
/** `::ffff:0:0/96`, IPv4-mapped. */
const MAPPED = [...ZEROS_80, 0xff, 0xff];
/** `::ffff:0:0:0/96`, IPv4-translated (RFC 2765). */
const TRANSLATED = [...new Array<number>(8).fill(0), 0xff, 0xff, 0, 0];
/** `::/96`, IPv4-compatible (deprecated); `::` and `::1` fall in it too. */
const COMPATIBLE = [...ZEROS_80, 0, 0];
/** `64:ff9b::/96`, the well-known NAT64 prefix (RFC 6052). */
const NAT64 = [0x00, 0x64, 0xff, 0x9b, ...new Array<number>(8).fill(0)];
/** `2002::/16`, 6to4: the IPv4 address follows the prefix. */
const SIX_TO_FOUR = [0x20, 0x02];

/**
 * The IPv4 address an IPv6 address stands for or routes to: mapped,
 * translated, compatible, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms;
 * null when it carries none.
 */
export function embeddedIpv4(bytes: Uint8Array): number[] | null {
  if ([MAPPED, TRANSLATED, COMPATIBLE, NAT64].some((prefix) => startsWith(bytes, prefix))) {
    return Array.from(bytes.subarray(12, 16));
  }
  if (startsWith(bytes, SIX_TO_FOUR)) return Array.from(bytes.subarray(2, 6));
  return null;
}
