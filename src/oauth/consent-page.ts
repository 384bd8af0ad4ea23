/**
 * The consent page and the authorization error page: server-rendered HTML
 * with no script, one inline style allowed by a per-response nonce, and a
 * Content-Security-Policy that allows nothing else (no third-party request,
 * no framing). Everything that came from a client (its name, its redirect
 * host) is escaped.
 * @module
 */
import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS, TOOLS_SCOPE } from "./server";

/** What the consent page says next to the secret field after a refused attempt. */
export interface ConsentProblem {
  message: string;
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1b1f; --bg: #fafafa; --muted: #55555f; --line: #d5d5dc; --accent: #1a56db; --warn-bg: #fff4d6; --warn-fg: #5c4400; --error: #b42318; }
@media (prefers-color-scheme: dark) { :root { --fg: #ececf1; --bg: #16161a; --muted: #a8a8b3; --line: #3a3a44; --accent: #8ab4ff; --warn-bg: #3b3012; --warn-fg: #ffe29a; --error: #ff8a80; } }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 34rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.375rem; line-height: 1.3; margin: 0 0 1rem; overflow-wrap: anywhere; }
p { margin: 0 0 1rem; }
dl { margin: 0 0 1.25rem; border-top: 1px solid var(--line); }
dt { font-weight: 600; margin-top: .75rem; }
dd { margin: .125rem 0 .75rem; overflow-wrap: anywhere; }
ul { margin: .25rem 0 0; padding-left: 1.25rem; }
code { font-size: .95em; }
.muted { color: var(--muted); }
.warn { background: var(--warn-bg); color: var(--warn-fg); padding: .75rem 1rem; border-radius: .5rem; }
.error { color: var(--error); font-weight: 600; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input[type=password] { width: 100%; font: inherit; padding: .75rem; border: 1px solid var(--line); border-radius: .5rem; background: transparent; color: inherit; }
input[aria-invalid=true] { border-color: var(--error); }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; margin-top: 1.25rem; }
button { font: inherit; font-weight: 600; min-height: 2.75rem; padding: .625rem 1.5rem; border-radius: .5rem; border: 1px solid var(--accent); cursor: pointer; flex: 1 1 8rem; }
button.allow { background: var(--accent); color: var(--bg); }
button.deny { background: transparent; color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
`;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function nonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/**
 * The page's policy: nothing but its own style; the form posts to this
 * server, and `redirectOrigin`, when given, is where Chromium follows the
 * form's redirect to (a `form-action 'self'` alone blocks that redirect).
 */
function contentSecurityPolicy(styleNonce: string, redirectOrigin?: string): string {
  const formAction = redirectOrigin === undefined ? "'self'" : `'self' ${redirectOrigin}`;
  return [
    "default-src 'none'",
    `style-src 'nonce-${styleNonce}'`,
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'"
  ].join("; ");
}

function document(title: string, body: string, styleNonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style nonce="${styleNonce}">${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function duration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? "1 hour" : `${seconds / 3600} hours`;
  return `${Math.round(seconds / 60)} minutes`;
}

/** The origin of a redirect URI, for `form-action`; undefined for one without (a private-use scheme). */
function originOf(redirectUri: string): string | undefined {
  try {
    const { origin } = new URL(redirectUri);
    return origin === "null" ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * The consent page for one authorization request: which server (`server`,
 * its host), who asks (and whether that is verified), where the access goes, what it allows and for how
 * long, the secret field, and Allow and Deny. `handle` is the single-use
 * transaction handle bound to the request and to this browser.
 */
export function consentPage(
  server: string,
  details: ConsentDescription,
  handle: string,
  problem?: ConsentProblem
): { html: string; csp: string } {
  const styleNonce = nonce();
  const name = escapeHtml(details.clientName);
  const who = details.clientDomain
    ? `Published by <strong>${escapeHtml(details.clientDomain)}</strong>.`
    : "This app registered itself, so its name is not verified.";
  const local = details.redirectIsLoopback
    ? `<p class="warn" role="note"><strong>Access goes to an app on this computer.</strong> Any program here could be listening on that address, whatever name it gives: continue only if you just started signing in from it.</p>`
    : "";
  const error = problem ? `<p class="error" id="secret-error" role="alert">${escapeHtml(problem.message)}</p>` : "";
  const describedBy = problem ? "secret-help secret-error" : "secret-help";
  const body = `<h1>Allow <span>${name}</span> to use this server?</h1>
<p>${who}</p>
${local}
<dl>
<dt>Server</dt>
<dd>${escapeHtml(server)}</dd>
<dt>Access goes to</dt>
<dd><strong>${escapeHtml(details.redirectHost)}</strong></dd>
<dt>It will be able to</dt>
<dd><ul>
<li>use every tool of this server (<code>${TOOLS_SCOPE}</code>): have Gemini watch videos at addresses it chooses and answer about them, spending this server's Gemini key</li>
<li>see and cancel the analyses of any session it knows the id of</li>
</ul></dd>
<dt>For how long</dt>
<dd>Access tokens last ${duration(ACCESS_TOKEN_TTL_SECONDS)} and are renewed for up to ${duration(REFRESH_TOKEN_TTL_SECONDS)}, until the app's access is revoked or the server's secret changes.</dd>
</dl>
<form method="post" action="/authorize">
<input type="hidden" name="handle" value="${escapeHtml(handle)}">
<input type="text" name="username" value="owner" autocomplete="username" hidden readonly>
<label for="secret">Server secret</label>
<input id="secret" name="secret" type="password" autocomplete="current-password" required autofocus aria-describedby="${describedBy}"${problem ? ' aria-invalid="true"' : ""}>
<p class="muted" id="secret-help">The <code>SHARED_SECRET</code> of this deployment: only its owner can allow access. It is checked here and kept nowhere.</p>
${error}
<div class="actions">
<button class="allow" type="submit" name="decision" value="allow">Allow</button>
<button class="deny" type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>`;
  return {
    html: document(`Allow ${details.clientName}? · Gemini video MCP`, body, styleNonce),
    csp: contentSecurityPolicy(styleNonce, originOf(details.redirectUri))
  };
}

/** The page for an authorization request that cannot go back to its client (unknown client, unregistered redirect URI...). */
export function errorPage(code: string, message: string): { html: string; csp: string } {
  const styleNonce = nonce();
  const body = `<h1>This sign-in cannot continue</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p class="muted">Error: <code>${escapeHtml(code)}</code>. Go back to the app you came from and start again.</p>`;
  return { html: document("Sign-in error · Gemini video MCP", body, styleNonce), csp: contentSecurityPolicy(styleNonce) };
}
