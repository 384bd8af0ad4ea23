/** The console's views, as lit-html templates of the app's state. */
import { html, nothing } from "./vendor/lit-html.js";
import { api } from "./api.js";
import { FINAL_STATES, number, safeHref, secondsOf, TOOL_LABELS, videoAt, when } from "./format.js";
import { renderMarkdown } from "./markdown.js";
import { dropZone, megabytes, uploadProgressView } from "./upload-views.js";

export function headerView(state, actions) {
  return html`<span class="brand">Gemini video console</span>
    ${state.signedIn ? html`<nav aria-label="Pages"><a href="#/">Analyses</a> <a href="#/library">Library</a></nav>` : nothing}
    ${state.signedIn ? html`<button type="button" class="link" @click=${actions.signOut}>Sign out</button>` : nothing}`;
}

export function signInView(state, actions) {
  const problem = state.signInProblem;
  return html`<h1 tabindex="-1">Sign in</h1>
    <form class="card narrow" @submit=${actions.signIn}>
      <input type="text" name="username" value="owner" autocomplete="username" hidden readonly>
      <label for="secret">Server secret</label>
      <input id="secret" name="secret" type="password" autocomplete="current-password" required
        aria-describedby=${problem ? "secret-help secret-error" : "secret-help"} aria-invalid=${problem ? "true" : "false"}>
      <p class="muted" id="secret-help">The <code>SHARED_SECRET</code> of this deployment. It is checked once; the console then keeps you signed in for 12 hours.</p>
      ${problem ? html`<p class="error" id="secret-error" role="alert">${problem}</p>` : nothing}
      <button type="submit" class="primary" ?disabled=${state.busy}>Sign in</button>
    </form>`;
}

function field(state, name, label, input, help) {
  const problems = (state.formProblems ?? []).filter((problem) => problem.field === name);
  const ids = [help ? `${name}-help` : "", problems.length ? `${name}-error` : ""].filter(Boolean).join(" ");
  return html`<div class="field">
    <label for=${name}>${label}</label>
    ${input(ids || nothing, problems.length > 0 ? "true" : "false")}
    ${help ? html`<p class="muted" id=${`${name}-help`}>${help}</p>` : nothing}
    ${problems.length ? html`<p class="error" id=${`${name}-error`}>${problems.map((problem) => problem.message).join(" ")}</p>` : nothing}
  </div>`;
}

/** The drop zone, or the file chosen; and the unfinished uploads a reload left, which the same file carries on. */
function fileField(state, actions) {
  const chosen = state.chosenFile;
  return html`<div class="field">
    ${
      chosen
        ? html`<p class="chosen" role="status">Chosen: <strong>${chosen.name}</strong> · ${megabytes(chosen.size)}. Start uploads it, then analyses it.
            <button type="button" class="link" @click=${actions.clearFile}>Remove</button></p>`
        : dropZone({
            id: "videoFile",
            label: "Or a video file from this computer",
            help: "Drop it here or choose it. It is uploaded to this server and the analysis waits for it; an upload cut by a reload or a lost network carries on where it stopped.",
            onFile: actions.chooseFile
          })
    }
    ${
      state.unfinished.length
        ? html`<div class="unfinished">
            <p>Unfinished uploads from this browser: choose or drop the same file to carry on (or delete the upload, and the analysis waiting for it stops).</p>
            <ul>${state.unfinished.map(
              (unfinished) => html`<li>${unfinished.fileName} · ${megabytes(unfinished.size)}
                <button type="button" class="link" @click=${() => actions.deleteUpload(unfinished)}
                  aria-label=${`Delete the upload of ${unfinished.fileName}`}>Delete</button></li>`
            )}</ul>
          </div>`
        : nothing
    }
  </div>`;
}

function uploadsView(state, actions) {
  if (!state.uploads.size) return nothing;
  return html`<section class="card" aria-labelledby="uploads-heading">
    <h2 id="uploads-heading">Uploads from this page</h2>
    <ul class="uploads">${[...state.uploads].map(
      ([key, progress]) => html`<li>
        ${uploadProgressView(progress, { pause: () => actions.pauseUpload(key), resume: () => actions.resumeUpload(key) })}
        ${progress.analysisId ? html`<a href=${`#/analyses/${progress.analysisId}`}>Its analysis</a>` : nothing}
      </li>`
    )}</ul>
  </section>`;
}

/** The deployment's unfinished uploads this page is not sending (another tab, the one-time page, a shell). */
function serverUploadsView(state) {
  const sending = new Set([...state.uploads.values()].map((upload) => upload.uploadId));
  const uploads = [...state.serverUploads.values()]
    .filter((upload) => !sending.has(upload.uploadId))
    .sort((a, b) => b.createdAt - a.createdAt);
  if (!uploads.length) return nothing;
  return html`<section class="card" aria-labelledby="server-uploads-heading">
    <h2 id="server-uploads-heading">Uploads in progress</h2>
    <ul class="uploads">${uploads.map((upload) => {
      const textId = `server-upload-${upload.uploadId}-text`;
      const size = upload.sizeBytes ?? 0;
      const percent = size ? Math.floor((upload.bytesReceived / size) * 100) : 0;
      return html`<li class="upload" data-server-upload-id=${upload.uploadId}>
        <p class="upload-name">${upload.fileName} <span class="muted">· ${upload.sizeBytes === null ? "size not known yet" : megabytes(size)}</span></p>
        <div class="progress">
          <progress max=${size || 1} .value=${upload.bytesReceived} aria-labelledby=${textId}></progress>
          <span id=${textId} class="stage">${percent}% · ${megabytes(upload.bytesReceived)} received · as ${upload.videoUrl}</span>
        </div>
      </li>`;
    })}</ul>
  </section>`;
}

function startForm(state, actions) {
  const general = (state.formProblems ?? []).filter((problem) => !problem.field);
  const count = state.formProblems?.length ?? 0;
  return html`<section class="card" aria-labelledby="start-heading">
    <h2 id="start-heading">Start an analysis</h2>
    <form @submit=${actions.start} novalidate>
      ${
        count
          ? html`<div class="error" role="alert" id="form-problems" tabindex="-1">
            <p>The analysis was not started: ${count === 1 ? "1 problem" : `${count} problems`}.</p>
            ${general.length ? html`<ul>${general.map((problem) => html`<li>${problem.message}</li>`)}</ul>` : nothing}
          </div>`
          : nothing
      }
      ${field(state, "videoUrl", "Video URL", (describedBy, invalid) => html`<input id="videoUrl" name="videoUrl" type="url" required inputmode="url" autocomplete="url" aria-describedby=${describedBy} aria-invalid=${invalid}>`, "A YouTube link or a public video file URL.")}
      ${fileField(state, actions)}
      ${field(
        state,
        "kind",
        "What to get",
        (describedBy, invalid) => html`<select id="kind" name="kind" aria-describedby=${describedBy} aria-invalid=${invalid}>
          <option value="answer">An answer to a prompt (Markdown)</option>
          <option value="chapters">A summary with chapters</option>
          <option value="transcript">A transcript with timestamps</option>
        </select>`
      )}
      ${field(state, "prompt", "Prompt", (describedBy, invalid) => html`<textarea id="prompt" name="prompt" rows="3" aria-describedby=${describedBy} aria-invalid=${invalid}></textarea>`, "For an answer: what to ask (default: a timestamped summary). For chapters: what to pay attention to.")}
      <fieldset>
        <legend>Video options</legend>
        <div class="grid">
          ${field(state, "startOffset", "Clip start", (describedBy, invalid) => html`<input id="startOffset" name="startOffset" aria-describedby=${describedBy} aria-invalid=${invalid}>`, "Seconds or a time: 90, 1m30s, 01:30.")}
          ${field(state, "endOffset", "Clip end", (describedBy, invalid) => html`<input id="endOffset" name="endOffset" aria-describedby=${describedBy} aria-invalid=${invalid}>`)}
          ${field(state, "fps", "Frames per second", (describedBy, invalid) => html`<input id="fps" name="fps" inputmode="decimal" aria-describedby=${describedBy} aria-invalid=${invalid}>`, "Default 1.")}
          ${field(
            state,
            "mediaResolution",
            "Resolution",
            (
              describedBy,
              invalid
            ) => html`<select id="mediaResolution" name="mediaResolution" aria-describedby=${describedBy} aria-invalid=${invalid}>
              <option value="">Default</option><option value="low">Low</option><option value="medium">Medium</option><option value="high">High</option>
            </select>`
          )}
          ${field(state, "model", "Model", (describedBy, invalid) => html`<input id="model" name="model" placeholder=${state.defaultModelHint} aria-describedby=${describedBy} aria-invalid=${invalid}>`, "Default: the server's GEMINI_MODEL.")}
          ${field(
            state,
            "priority",
            "Priority",
            (
              describedBy,
              invalid
            ) => html`<select id="priority" name="priority" aria-describedby=${describedBy} aria-invalid=${invalid}>
              <option value="">Now</option><option value="batch">Batch: half price, within 24 hours</option>
            </select>`,
            "Batch goes through Gemini's Batch API."
          )}
          ${field(state, "maxCostUsd", "Cost cap (US$)", (describedBy, invalid) => html`<input id="maxCostUsd" name="maxCostUsd" inputmode="decimal" aria-describedby=${describedBy} aria-invalid=${invalid}>`, "Refused before it runs if its estimate is higher. Default: no cap of its own.")}
        </div>
      </fieldset>
      <button type="submit" class="primary" ?disabled=${state.busy}>Start</button>
      <p role="status" class="notice">${state.notice}</p>
    </form>
  </section>`;
}

/** The bar and the stage's message; an analysis that failed or was cancelled shows its message alone. */
function progressView(entry) {
  if (entry.state === "failed" || entry.state === "cancelled") return html`<p class="stage">${entry.message}</p>`;
  const id = `progress-${entry.id.replace(/\W/g, "-")}`;
  return html`<div class="progress">
    <progress max="100" .value=${entry.percent} aria-labelledby=${id}></progress>
    <span id=${id} class="stage">${entry.percent}% · ${entry.message}</span>
  </div>`;
}

function entryView(entry, actions, fileNames) {
  const live = !FINAL_STATES.has(entry.state);
  const fileName = fileNames.get(entry.videoUrl);
  return html`<li class="card entry" data-state=${entry.state} data-id=${entry.id}>
    <div class="entry-head">
      <a class="video" href=${`#/analyses/${entry.id}`}>${entry.videoUrl}</a>
      <span class="badge" data-state=${entry.state}>${entry.state}</span>
    </div>
    <p class="meta">${TOOL_LABELS[entry.tool] ?? entry.tool}${fileName ? ` of ${fileName}` : ""} · started ${when(entry.createdAt)}</p>
    ${progressView(entry)}
    ${entry.error ? html`<p class="error">${entry.error}</p>` : nothing}
    ${live ? html`<button type="button" class="secondary" @click=${() => actions.cancel(entry.id)} aria-label=${`Cancel the analysis of ${entry.videoUrl}`}>Cancel</button>` : nothing}
  </li>`;
}

export function listView(state, actions) {
  const entries = [...state.analyses.values()].sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
  const fileNames = new Map([
    ...state.uploadNames,
    ...[...state.uploads.values()]
      .filter((upload) => upload.uploadId)
      .map((upload) => [`upload:${upload.uploadId}`, upload.fileName])
  ]);
  return html`<h1 tabindex="-1">Analyses</h1>
    ${startForm(state, actions)}
    ${spendView(state.spend)}
    ${uploadsView(state, actions)}
    ${serverUploadsView(state)}
    <section aria-labelledby="list-heading">
      <h2 id="list-heading">All analyses <span class="muted">(${entries.length})</span></h2>
      <p class="muted" role="status">${state.streamStatus}</p>
      ${entries.length ? html`<ol class="entries">${entries.map((entry) => entryView(entry, actions, fileNames))}</ol>` : html`<p>No analyses yet.</p>`}
    </section>`;
}

/** Dollars as the page shows them: cents, or two significant figures below a cent. */
function usd(value) {
  if (value === 0) return "$0.00";
  return value >= 0.01 ? `$${value.toFixed(2)}` : `$${Number(value.toPrecision(2))}`;
}

function spendView(spend) {
  if (!spend) return nothing;
  return html`<section class="card spend" aria-labelledby="spend-heading">
    <h2 id="spend-heading">Spent on Gemini</h2>
    <dl class="pairs">
      <dt>Today (${spend.day}, UTC)</dt><dd data-spend="today">${usd(spend.todayUsd)}</dd>
      <dt>This month (${spend.month})</dt><dd data-spend="month">${usd(spend.monthUsd)}</dd>
    </dl>
    <p class="muted">Finished analyses at the server's price table (list prices; see README, "Cost").</p>
  </section>`;
}

function optionsView(record) {
  const { input } = record;
  const rows = [
    ["Tool", TOOL_LABELS[record.tool] ?? record.tool],
    ["Model", input.model],
    [
      "Clip",
      input.startSeconds !== undefined || input.endSeconds !== undefined
        ? `${input.startSeconds ?? 0} s to ${input.endSeconds ?? "the end"}${input.endSeconds !== undefined ? " s" : ""}`
        : undefined
    ],
    ["Frames per second", input.fps],
    ["Resolution", input.mediaResolution],
    ["Longest answer", input.maxOutputTokens !== undefined ? `${number(input.maxOutputTokens)} tokens` : undefined],
    ["Cost cap", input.maxCostUsd !== undefined ? usd(input.maxCostUsd) : undefined],
    ["Follow-up of", input.followUpOf],
    ["Priority", input.priority === "batch" ? "Batch (Gemini's Batch API, half price)" : undefined],
    ["Context cache", input.keepForFollowUps ? "kept for follow-ups" : undefined],
    ["Started", when(record.createdAt)]
  ].filter(([, value]) => value !== undefined);
  return html`<dl class="pairs">${rows.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>`;
}

function usageView(record) {
  const usage = record.usage;
  const rows = [
    ["Video length", record.durationSeconds !== undefined ? `${Math.round(record.durationSeconds)} s` : undefined],
    ["Estimated input tokens", record.estimatedTokens !== undefined ? number(record.estimatedTokens) : undefined],
    ["Counted input tokens", record.countedTokens !== undefined ? number(record.countedTokens) : undefined],
    [
      "Checked against",
      record.tokenCountSource
        ? `${record.tokenCountSource}${record.inputTokenLimit ? ` (limit ${number(record.inputTokenLimit)})` : ""}`
        : undefined
    ],
    ["Input tokens", usage ? number(usage.inputTokens) : undefined],
    ["Output tokens", usage ? number(usage.outputTokens) : undefined],
    ["Thinking tokens", usage ? number(usage.thinkingTokens) : undefined],
    ["Total tokens", usage ? number(usage.totalTokens) : undefined],
    ["Estimated cost", record.estimatedCostUsd !== undefined ? usd(record.estimatedCostUsd) : undefined],
    ["Cost", record.costUsd !== undefined ? usd(record.costUsd) : record.costNote]
  ].filter(([, value]) => value !== undefined);
  if (!rows.length) return nothing;
  return html`<section class="card" aria-labelledby="usage-heading"><h2 id="usage-heading">Tokens and cost</h2>
    <dl class="pairs">${rows.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl></section>`;
}

function timeLink(videoUrl, timestamp) {
  const seconds = secondsOf(timestamp);
  const href = seconds === undefined ? undefined : videoAt(videoUrl, seconds);
  return href
    ? html`<a href=${href} target="_blank" rel="noopener noreferrer" aria-label=${`${timestamp}: watch from here`}>${timestamp}</a>`
    : html`<span>${timestamp ?? ""}</span>`;
}

function answerView(record) {
  const answer = record.answer;
  if (!answer) return record.answerError ? html`<p class="error">${record.answerError}</p>` : nothing;
  if (answer.kind === "text") {
    return html`<section class="card" aria-labelledby="answer-heading"><h2 id="answer-heading">Answer</h2>
      <div class="markdown">${renderMarkdown(answer.text)}</div></section>`;
  }
  if (answer.kind === "chapters") {
    const { chapters } = answer;
    return html`<section class="card" aria-labelledby="answer-heading"><h2 id="answer-heading">${chapters.title}</h2>
      <p>${chapters.summary}</p>
      <h3>Chapters</h3>
      <ol class="chapters">${chapters.chapters.map(
        (chapter) =>
          html`<li>${timeLink(record.videoUrl, chapter.start)}–${chapter.end} <strong>${chapter.title}</strong>: ${chapter.summary}</li>`
      )}</ol></section>`;
  }
  const { transcript } = answer;
  return html`<section class="card" aria-labelledby="answer-heading"><h2 id="answer-heading">Transcript</h2>
    <p class="downloads">Download:
      ${["srt", "vtt", "txt", "json"].map((type) => html` <a href=${api.downloadUrl(record.id, type)} download>.${type}</a>`)}
    </p>
    <p class="muted">Language: ${transcript.language} · ${transcript.segments.length} segments</p>
    ${
      transcript.segments.length
        ? html`<ol class="transcript">${transcript.segments.map(
            (segment) =>
              html`<li>${segment.start ? timeLink(record.videoUrl, segment.start) : nothing} <strong>${segment.speaker}</strong> ${segment.text}</li>`
          )}</ol>`
        : html`<p>No speech found in the video.</p>`
    }
  </section>`;
}

export function analysisView(state, actions) {
  const record = state.record;
  const entry = state.analyses.get(state.route.id) ?? record;
  if (state.recordProblem) {
    return html`<p><a href="#/">← All analyses</a></p><h1 tabindex="-1">Analysis</h1><p class="error" role="alert">${state.recordProblem}</p>`;
  }
  if (!record || !entry) return html`<p><a href="#/">← All analyses</a></p><h1 tabindex="-1">Analysis</h1><p>Loading…</p>`;
  const href = safeHref(record.videoUrl);
  const live = !FINAL_STATES.has(entry.state);
  return html`<p><a href="#/">← All analyses</a></p>
    <h1 tabindex="-1">${TOOL_LABELS[record.tool] ?? "Analysis"} of ${href ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${record.videoUrl}</a>` : record.videoUrl}</h1>
    <section class="card" aria-labelledby="status-heading">
      <h2 id="status-heading">Status: <span class="badge" data-state=${entry.state} role="status">${entry.state}</span></h2>
      ${progressView(entry)}
      ${entry.error ? html`<p class="error">${entry.error}</p>` : nothing}
      ${live ? html`<button type="button" class="secondary" @click=${() => actions.cancel(entry.id)}>Cancel</button>` : nothing}
    </section>
    <section class="card" aria-labelledby="request-heading">
      <h2 id="request-heading">Request</h2>
      <p class="prompt">${record.input.prompt}</p>
      ${optionsView(record)}
    </section>
    ${answerView(record)}
    ${usageView(record)}`;
}
