/**
 * The console's API (src/console/routes.ts), as the page calls it. Every
 * call is same-origin, so the browser sends the sign-in cookie and Origin.
 */

/** A refusal from the API: its status, code and message, and for the start form the problems by field. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `The server answered ${status}.`);
    this.status = status;
    this.code = body?.error?.code;
    this.problems = body?.problems ?? [];
  }
}

async function call(path, { method = "GET", body } = {}) {
  const response = await fetch(`/console/api${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin"
  });
  const json = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export const api = {
  me: () => call("/me"),
  spend: () => call("/spend"),
  signIn: (secret) => call("/sign-in", { method: "POST", body: { secret } }),
  signOut: () => call("/sign-out", { method: "POST" }),
  analysis: (id) => call(`/analyses/${encodeURIComponent(id)}`),
  start: (form) => call("/analyses", { method: "POST", body: form }),
  cancel: (id) => call(`/analyses/${encodeURIComponent(id)}/cancel`, { method: "POST" }),
  downloadUrl: (id, type) => `/console/api/analyses/${encodeURIComponent(id)}/transcript.${type}`,
  eventsUrl: "/console/api/events"
};
