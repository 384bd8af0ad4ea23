/** The drop zone and an upload's progress, as lit-html templates: the console's start form and the one-time page use both. */
import { html, nothing } from "./vendor/lit-html.js";

export function megabytes(bytes) {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function dropped(event, onFile) {
  event.preventDefault();
  event.currentTarget.classList.remove("dragging");
  const [file, ...more] = event.dataTransfer?.files ?? [];
  if (file) onFile(file, more.length);
}

function dragging(event) {
  event.preventDefault();
  event.currentTarget.classList.add("dragging");
}

/**
 * A zone that takes a dropped file, with a file input inside it for pickers
 * and keyboards. `onFile(file, extraCount)` hears the first file, and how many
 * more were dropped with it.
 */
export function dropZone({ id, label, help, onFile, disabled = false, describedBy }) {
  const helpId = `${id}-help`;
  return html`<div class="dropzone" data-testid="dropzone"
      @dragenter=${dragging} @dragover=${dragging}
      @dragleave=${(event) => event.currentTarget.classList.remove("dragging")}
      @drop=${(event) => dropped(event, onFile)}>
    <label for=${id}>${label}</label>
    <p class="muted" id=${helpId}>${help}</p>
    <input id=${id} type="file" accept="video/*" ?disabled=${disabled}
      aria-describedby=${describedBy ? `${helpId} ${describedBy}` : helpId}
      @change=${(event) => {
        const [file] = event.target.files ?? [];
        if (file) onFile(file, 0);
      }}>
  </div>`;
}

const STATUS_TEXT = {
  starting: "Starting…",
  uploading: "Uploading",
  paused: "Paused",
  interrupted: "Interrupted: the network is gone. It carries on by itself when the network is back, or press Resume.",
  done: "Uploaded",
  failed: "Failed"
};

/** One upload: its bar and bytes, its state (announced when it changes, not at every byte), and Pause / Resume. */
export function uploadProgressView(progress, { pause, resume }) {
  const percent = progress.size ? Math.floor((progress.sent / progress.size) * 100) : 0;
  const textId = `upload-${progress.uploadId ?? "new"}-text`;
  const canPause = progress.status === "uploading" || progress.status === "starting";
  const canResume = progress.status === "paused" || progress.status === "interrupted";
  return html`<div class="upload" data-status=${progress.status} data-upload-id=${progress.uploadId ?? nothing}>
    <p class="upload-name">${progress.fileName} <span class="muted">· ${megabytes(progress.size)}</span></p>
    <div class="progress">
      <progress max=${progress.size} .value=${progress.sent} aria-labelledby=${textId}></progress>
      <span id=${textId} class="stage">${percent}% · ${megabytes(progress.sent)} of ${megabytes(progress.size)}</span>
    </div>
    <p class="upload-state" role="status">${STATUS_TEXT[progress.status]}</p>
    ${
      progress.resumedFrom !== undefined
        ? html`<p class="muted resumed">Carried on from ${megabytes(progress.resumedFrom)}: the server already had that much.</p>`
        : nothing
    }
    ${progress.problem && progress.status !== "done" ? html`<p class="error">${progress.problem}</p>` : nothing}
    ${canPause ? html`<button type="button" class="secondary" @click=${pause}>Pause</button>` : nothing}
    ${canResume ? html`<button type="button" class="secondary" @click=${resume}>Resume</button>` : nothing}
  </div>`;
}
