/**
 * Session ids the front Worker can verify without asking any Durable
 * Object: 64 random bits and 64 bits of an HMAC-SHA-256 over them, with a
 * key derived (HKDF-SHA-256) from SHARED_SECRET; 32 lowercase hex
 * characters, the shape session ids always had. Job and task ids start with
 * the id of the session object that holds them (`<sessionId>.<64 random
 * bits>`), so checking that part tells whether an id names an object this
 * server made: a forged or mistyped id is refused before any object exists.
 *
 * Ids made before ids were signed (128 random bits) fail the check like
 * forged ones: their sessions, jobs and tasks can no longer be reached.
 * @module
 */
import { derivedKey, hex, type KeyPurpose } from "./derived-key";
import { isSessionId } from "./session-id";

const RANDOM_BYTES = 8;
const MAC_BYTES = 8;
const encoder = new TextEncoder();

/** Issues and checks signed session ids. */
export interface SessionIds {
  issue(): Promise<string>;
  /** The id of the object called `name`: the same for the same name, unguessable without the secret, verifiable like any other. */
  named(name: string): Promise<string>;
  /** True only for an id `issue` made with the same secret. */
  verify(sessionId: string): Promise<boolean>;
}

const MAC_KEY: KeyPurpose = {
  salt: "gemini-video-mcp",
  info: "session ids v1",
  algorithm: { name: "HMAC", hash: "SHA-256", length: 256 },
  usages: ["sign"]
};

const macKey = (secret: string) => derivedKey(secret, MAC_KEY);

function fromHex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

async function macOf(secret: string, random: Uint8Array): Promise<Uint8Array> {
  const signature = await crypto.subtle.sign("HMAC", await macKey(secret), random);
  return new Uint8Array(signature, 0, MAC_BYTES);
}

/** Compares in time that does not depend on where the bytes differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  // SAFETY: the index stays below both lengths.
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) difference |= a[index]! ^ b[index]!;
  return difference === 0;
}

export function sessionIds(secret: string | undefined): SessionIds {
  if (!secret) throw new Error("SHARED_SECRET is not set: session ids cannot be signed");
  return {
    async issue() {
      const random = crypto.getRandomValues(new Uint8Array(RANDOM_BYTES));
      return hex(random) + hex(await macOf(secret, random));
    },
    async named(name) {
      // Names are longer than the 8 random bytes issue() signs, so the two never meet.
      const random = await macOf(secret, encoder.encode(`name:${name}`));
      return hex(random) + hex(await macOf(secret, random));
    },
    async verify(sessionId) {
      if (!isSessionId(sessionId)) return false;
      const bytes = fromHex(sessionId);
      return sameBytes(bytes.subarray(RANDOM_BYTES), await macOf(secret, bytes.subarray(0, RANDOM_BYTES)));
    }
  };
}
