/**
 * The one-time upload page (`/upload/<uploadId>#<capability>`, see
 * docs/uploads.md): a person who has no secret sends one video file to the
 * one upload that `createVideoUpload` made, and watches it go. The
 * capability arrives in the link's fragment, which no request carries; the
 * page keeps it for this tab only (a reload must still resume) and wipes it
 * from the address bar.
 */
import { html, nothing, render } from "./vendor/lit-html.js";
import { dropZone, megabytes, uploadProgressView } from "./upload-views.js";
import { decodeMetadata, startUpload, UPLOADS_ENDPOINT } from "./uploads.js";

const uploadId = /^\/upload\/([0-9a-f]{32})\/?$/.exec(location.pathname)?.[1];
const capability = takeCapability();
let upload;

const state = {
  /** "checking", "ready" (takes a file), "sending", "complete", or "unusable" */
  phase: "checking",
  problem: undefined,
  note: undefined,
  progress: undefined,
  /** What the server already holds of this upload: `{ fileName, offset, length }`. */
  held: undefined,
  linkExpiresAt: undefined
};

function takeCapability() {
  const key = `upload-capability:${uploadId}`;
  const fromLink = location.hash.slice(1);
  if (uploadId && fromLink) {
    sessionStorage.setItem(key, fromLink);
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem(key) ?? undefined;
}

/** A capability reads `<expiresAtSeconds>.<uploadId>.<mac>`; the server checks the mac. */
function linkOf(value) {
  const [expires, id] = (value ?? "").split(".");
  return { expiresAt: Number(expires) * 1000, uploadId: id };
}

function time(epochMs) {
  return new Date(epochMs).toLocaleString();
}

const REFUSALS = {
  401: "This link has expired or is not valid. Ask Claude for a new upload link.",
  403: "This link is for another upload.",
  404: "This server has no such upload. Check that the whole link was copied.",
  410: "This upload has expired or was deleted. Ask Claude for a new upload link."
};

function update(changes) {
  Object.assign(state, changes);
  const main = document.getElementById("main");
  if (!main.dataset.rendered) {
    main.replaceChildren();
    main.dataset.rendered = "true";
  }
  render(view(), main);
}

function doneView() {
  const name = state.progress?.fileName ?? state.held?.fileName ?? "The video";
  return html`<div class="card done" role="status">
    <h2>Done</h2>
    <p><strong>${name}</strong> is uploaded: the server has all of it.</p>
    <p>Go back to Claude. It can start the analysis now; an analysis it already started on this upload is running.</p>
    <p class="muted">You can close this page. This link takes no other file.</p>
  </div>`;
}

function view() {
  const heading = html`<h1 tabindex="-1">Upload a video</h1>`;
  if (state.phase === "checking") return html`${heading}<p>Checking the link…</p>`;
  if (state.phase === "unusable") return html`${heading}<p class="error" role="alert">${state.problem}</p>`;
  const intro = html`<p>This page sends one video file from this computer to the Gemini video server, for the conversation that gave you the link. It can do nothing else.
    ${state.linkExpiresAt ? html`The link works until ${time(state.linkExpiresAt)}.` : nothing}</p>`;
  if (state.phase === "complete") return html`${heading}${intro}${doneView()}`;
  const held = state.held;
  const partly =
    held?.offset > 0 && held.length
      ? html`<p class="notice">${held.fileName ?? "A file"} is partly uploaded (${Math.floor((held.offset / held.length) * 100)} %, ${megabytes(held.offset)}): choose the same file to carry on from there.</p>`
      : nothing;
  return html`${heading}${intro}
    ${
      state.phase === "ready"
        ? html`${partly}${dropZone({
            id: "video-file",
            label: "The video file",
            help: "Drop it here, or choose it. One file; it can be up to a few gigabytes.",
            onFile: chooseFile
          })}`
        : nothing
    }
    ${state.progress ? uploadProgressView(state.progress, { pause: () => upload?.pause(), resume: () => upload?.resume() }) : nothing}
    ${state.note ? html`<p class="muted" role="status">${state.note}</p>` : nothing}
    ${state.problem ? html`<p class="error" role="alert">${state.problem}</p>` : nothing}
    ${state.progress?.status === "done" ? doneView() : nothing}`;
}

function chooseFile(file, extraCount) {
  if (state.phase !== "ready") return;
  update({
    phase: "sending",
    problem: undefined,
    note: extraCount > 0 ? `Only ${file.name} is sent: this link takes one file.` : undefined
  });
  upload = startUpload(file, {
    scope: `page-${uploadId}`,
    headers: { "Upload-Capability": capability },
    onChange(progress) {
      if (progress.status === "failed") {
        // Nothing of this file was kept; another (the right one) may be chosen.
        update({ phase: "ready", progress: undefined, problem: progress.problem });
        return;
      }
      update({ progress });
    }
  });
}

async function check() {
  if (!uploadId || !capability) {
    return update({
      phase: "unusable",
      problem: "This link is incomplete: open the whole link Claude gave you, with the part after the # sign."
    });
  }
  const link = linkOf(capability);
  if (link.uploadId !== uploadId) return update({ phase: "unusable", problem: REFUSALS[403] });
  if (!(link.expiresAt > Date.now())) {
    return update({ phase: "unusable", problem: `This link expired at ${time(link.expiresAt)}. Ask Claude for a new one.` });
  }
  const response = await fetch(`${UPLOADS_ENDPOINT}/${uploadId}`, {
    method: "HEAD",
    headers: { "Tus-Resumable": "1.0.0", "Upload-Capability": capability },
    cache: "no-store"
  }).catch(() => undefined);
  if (!response) return update({ phase: "unusable", problem: "The server cannot be reached. Reload the page to try again." });
  if (!response.ok) {
    return update({ phase: "unusable", problem: REFUSALS[response.status] ?? `The server answered ${response.status}.` });
  }
  const offset = Number(response.headers.get("Upload-Offset") ?? 0);
  const length = response.headers.has("Upload-Length") ? Number(response.headers.get("Upload-Length")) : undefined;
  const expires = Date.parse(response.headers.get("Upload-Capability-Expires") ?? "");
  const held = { fileName: decodeMetadata(response.headers.get("Upload-Metadata")).filename, offset, length };
  update({
    phase: length !== undefined && offset === length ? "complete" : "ready",
    held,
    linkExpiresAt: Number.isNaN(expires) ? link.expiresAt : expires
  });
}

await check();
document.querySelector("h1")?.focus();
