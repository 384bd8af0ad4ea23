/**
 * A Client ID Metadata Document client names itself with an https URL, and
 * the OAuth library fetches that URL to learn the client. The library does
 * the fetch itself, so the video URL guard cannot wrap it; instead every
 * request that names a URL-shaped `client_id` (the authorization request, a
 * token or revocation request) is checked with that guard first, and one
 * whose host is loopback, private or a metadata address is refused before
 * the library sees it. (Deployed, the `global_fetch_strictly_public` flag
 * also sends the library's fetch out as a public one.)
 * @module
 */
import { readBodyText } from "../http/body";
import { isPrivateHost } from "../video/url-guard";

/** Why a `client_id` is refused; undefined when it is no URL or names a public host. */
export function clientIdRefusal(clientId: string | null | undefined): string | undefined {
  if (!clientId || !/^[a-z][a-z0-9+.-]*:/i.test(clientId)) return undefined;
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  return isPrivateHost(url.hostname)
    ? `The client's metadata document URL points at ${url.hostname}, a loopback, private or metadata address; it is not fetched.`
    : undefined;
}

/** The `client_id` of a token endpoint request: in the form body, or the user part of Basic auth. */
export async function tokenRequestClientId(request: Request): Promise<string | null> {
  const authorization = request.headers.get("Authorization");
  const basic = authorization ? /^Basic[ \t]+(\S+)$/i.exec(authorization.trim()) : null;
  if (basic?.[1]) {
    try {
      const user = atob(basic[1]).split(":")[0];
      if (user) return decodeURIComponent(user);
    } catch {
      // Not Base64: the library refuses it.
    }
  }
  if (!(request.headers.get("Content-Type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) return null;
  const body = await readBodyText(request.clone());
  return new URLSearchParams(body).get("client_id");
}
