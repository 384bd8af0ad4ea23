/**
 * An OAuth client as the tests need one, against the Worker in the test pool:
 * dynamic registration, PKCE, the consent page read and posted as a browser
 * would (its binding cookie carried), and the token endpoint.
 */
import { expect } from "vitest";
import { TEST_SHARED_SECRET } from "../../constants";
import { BASE_URL, call } from "./http";

export const REDIRECT_URI = "https://client.example/callback";

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export async function pkce(): Promise<Pkce> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

/**
 * A client address (`CF-Connecting-IP`, an RFC 3849 documentation address)
 * no other request of the run uses: registration and the consent page are
 * rate-limited per address, and each client a test plays is a new one.
 */
export function freshClientAddress(): string {
  const groups = Array.from(crypto.getRandomValues(new Uint16Array(4)), (group) => group.toString(16));
  return `2001:db8::${groups.join(":")}`;
}

/** The registration metadata the tests' client sends, with `metadata` over it. */
export function clientMetadata(metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_name: "Test <b>client</b>",
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    ...metadata
  };
}

/** `POST /register` with `metadata` as its JSON body, from `address`. */
export function registerRequest(metadata: unknown, address = freshClientAddress(), origin = BASE_URL): Promise<Response> {
  return call(new URL("/register", origin).href, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": address },
    body: JSON.stringify(metadata)
  });
}

/** Registers a public client (RFC 7591); resolves with its client_id. */
export async function register(metadata: Record<string, unknown> = {}, origin = BASE_URL): Promise<string> {
  const response = await registerRequest(clientMetadata(metadata), freshClientAddress(), origin);
  const body = (await response.json()) as { client_id: string };
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body.client_id;
}

export interface AuthorizeParams {
  clientId: string;
  challenge: string;
  state?: string | null;
  redirectUri?: string;
  resource?: string;
  method?: string;
}

export function authorizeUrl(params: AuthorizeParams, origin = BASE_URL): string {
  const url = new URL("/authorize", origin);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", params.clientId);
  url.searchParams.set("redirect_uri", params.redirectUri ?? REDIRECT_URI);
  url.searchParams.set("code_challenge", params.challenge);
  url.searchParams.set("code_challenge_method", params.method ?? "S256");
  url.searchParams.set("scope", "mcp:tools");
  if (params.state !== null) url.searchParams.set("state", params.state ?? "state-123");
  if (params.resource !== undefined) url.searchParams.set("resource", params.resource);
  return url.href;
}

/** The consent page as a browser holds it: its HTML, the form's handle and the binding cookie. */
export interface ConsentPage {
  response: Response;
  html: string;
  handle: string;
  cookie: string;
}

/** Reads a consent page response: the handle from the form, the binding cookie from Set-Cookie. */
export async function readConsentPage(response: Response): Promise<ConsentPage> {
  const html = await response.text();
  const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1];
  const setCookie = response.headers.get("Set-Cookie") ?? "";
  const cookies = [...setCookie.matchAll(/(__Host-oauth-consent-[0-9a-f]+)=([0-9a-f]+)/g)].map(
    (match) => `${match[1]}=${match[2]}`
  );
  if (!handle || cookies.length === 0) throw new Error(`No consent form in ${response.status}: ${html.slice(0, 500)}`);
  return { response, html, handle, cookie: cookies.at(-1)! };
}

/** `GET /authorize` as a browser at `address` opens it (redirects not followed). */
export function requestAuthorization(url: string, address = freshClientAddress()): Promise<Response> {
  return call(url, { redirect: "manual", headers: { "CF-Connecting-IP": address } });
}

export async function openConsent(url: string): Promise<ConsentPage> {
  return readConsentPage(await requestAuthorization(url));
}

/** Posts the consent form as the page would (same origin, its cookie). */
export function postConsent(
  page: ConsentPage,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
  origin = BASE_URL
): Promise<Response> {
  return call(new URL("/authorize", origin).href, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: page.cookie, Origin: origin, ...headers },
    body: new URLSearchParams({ handle: page.handle, ...fields })
  });
}

/** Allows with the right secret; resolves with the redirect back to the client. */
export async function allow(page: ConsentPage, origin = BASE_URL): Promise<URL> {
  const response = await postConsent(page, { decision: "allow", secret: TEST_SHARED_SECRET }, {}, origin);
  expect(response.status, await response.clone().text()).toBe(302);
  return new URL(response.headers.get("Location")!);
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

export function tokenRequest(fields: Record<string, string>, origin = BASE_URL): Promise<Response> {
  return call(new URL("/token", origin).href, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields)
  });
}

export async function exchangeCode(clientId: string, code: string, verifier: string, origin = BASE_URL): Promise<Tokens> {
  const response = await tokenRequest(
    { grant_type: "authorization_code", client_id: clientId, code, code_verifier: verifier, redirect_uri: REDIRECT_URI },
    origin
  );
  const body = (await response.json()) as Tokens;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** Registration, consent with the secret, and the code exchange: a client's first tokens. */
export async function authorizeClient(origin = BASE_URL): Promise<{ clientId: string; tokens: Tokens }> {
  const clientId = await register({}, origin);
  const { verifier, challenge } = await pkce();
  const page = await openConsent(authorizeUrl({ clientId, challenge }, origin));
  const back = await allow(page, origin);
  return { clientId, tokens: await exchangeCode(clientId, back.searchParams.get("code")!, verifier, origin) };
}

/** A `tools/list` on /rpc with `Authorization: Bearer <token>`. */
export function listTools(token: string, origin = BASE_URL): Promise<Response> {
  return call(new URL("/rpc", origin).href, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" })
  });
}
