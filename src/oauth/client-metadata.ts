/**
 * Bounds on what dynamic client registration (RFC 7591) may store: the
 * library takes any size and count, and registration is open to anyone, so
 * a registration could otherwise park a megabyte in `OAUTH_KV`. Run as the
 * library's registration callback, after its own checks and before anything
 * is written; a refusal is RFC 7591's `invalid_redirect_uri` or
 * `invalid_client_metadata` (400).
 *
 * Fields the server does not know are ignored, as RFC 7591 §2 requires, and
 * never stored (the library keeps only the fields it knows); they count
 * towards the size of the whole document like every other field.
 * @module
 */
import type { ClientRegistrationCallbackResult } from "@cloudflare/workers-oauth-provider";

/** The whole metadata document, as JSON: the size the library and the CIMD draft allow a client's metadata document. */
export const MAX_CLIENT_METADATA_BYTES = 5 * 1024;
/** Redirect URIs one client may register (Cursor lists three; loopback clients one or two). */
export const MAX_REDIRECT_URIS = 10;
/** A client name, or one of its language-tagged variants (`client_name#fr`), in characters: what the consent page shows. */
export const MAX_CLIENT_NAME_LENGTH = 200;

function refusal(
  code: "invalid_client_metadata" | "invalid_redirect_uri",
  description: string
): ClientRegistrationCallbackResult {
  return { code, description, status: 400 };
}

/** Why a registration is refused; undefined when its metadata is within bounds. */
export function clientMetadataRefusal(metadata: Record<string, unknown>): ClientRegistrationCallbackResult | undefined {
  const redirectUris = metadata.redirect_uris;
  if (Array.isArray(redirectUris) && redirectUris.length > MAX_REDIRECT_URIS) {
    return refusal("invalid_redirect_uri", `A client may register at most ${MAX_REDIRECT_URIS} redirect URIs.`);
  }
  const bytes = new TextEncoder().encode(JSON.stringify(metadata)).byteLength;
  if (bytes > MAX_CLIENT_METADATA_BYTES) {
    return refusal(
      "invalid_client_metadata",
      `Client metadata is limited to ${MAX_CLIENT_METADATA_BYTES} bytes of JSON; this is ${bytes}.`
    );
  }
  for (const [field, value] of Object.entries(metadata)) {
    const isName = field === "client_name" || field.startsWith("client_name#");
    if (isName && typeof value === "string" && value.length > MAX_CLIENT_NAME_LENGTH) {
      return refusal("invalid_client_metadata", `${field} is limited to ${MAX_CLIENT_NAME_LENGTH} characters.`);
    }
  }
  return undefined;
}
