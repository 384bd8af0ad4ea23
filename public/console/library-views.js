/**
 * The library's views: a search over every finished analysis (snippets with
 * the matches marked, times that open the video there), the analyses grouped
 * by video with delete buttons, and one analysis with its passages.
 */
import { html, nothing } from "./vendor/lit-html.js";
import { safeHref, videoAt, when } from "./format.js";
import { renderMarkdown } from "./markdown.js";

const MATCH = /\uE000([^\uE001]*)\uE001/g;
const KIND_LABELS = { prompt: "Prompt", answer: "Answer", summary: "Summary", chapter: "Chapter", segment: "Transcript" };
const FORMAT_LABELS = { text: "Answer", chapters: "Chapters", transcript: "Transcript" };

/** A snippet's text with its matches in <mark>; the text is never parsed as HTML. */
function snippetView(snippet) {
  const parts = [];
  let last = 0;
  for (const match of snippet.matchAll(MATCH)) {
    parts.push(snippet.slice(last, match.index), html`<mark>${match[1]}</mark>`);
    last = match.index + match[0].length;
  }
  parts.push(snippet.slice(last));
  return parts;
}

function clock(seconds) {
  const whole = Math.floor(seconds);
  const two = (n) => String(n).padStart(2, "0");
  const hours = Math.floor(whole / 3600);
  const rest = `${two(Math.floor((whole % 3600) / 60))}:${two(whole % 60)}`;
  return hours > 0 ? `${hours}:${rest}` : rest;
}

function videoName(item) {
  return item.uploadName ?? item.videoUrl;
}

/** The hit's link: YouTube at the time (a new tab), or the library's page of the analysis (here). */
function hitLink(hit) {
  const label = hit.time ? `${hit.time}: open the video here` : "open the analysis";
  if (hit.link.startsWith("https://www.youtube.com/")) {
    return html`<a class="time" href=${hit.link} target="_blank" rel="noopener noreferrer" aria-label=${label}>${hit.time ?? "video"}</a>`;
  }
  const local = hit.link.slice(hit.link.indexOf("#"));
  return html`<a class="time" href=${local} aria-label=${label}>${hit.time ?? "analysis"}</a>`;
}

function hitView(hit) {
  return html`<li class="card hit" data-analysis=${hit.analysisId}>
    <p class="meta">${hitLink(hit)} · ${KIND_LABELS[hit.kind] ?? hit.kind}${hit.speaker ? html` · ${hit.speaker}` : nothing}
      · <a href=${`#/library/${hit.analysisId}`}>${hit.title ?? videoName(hit)}</a></p>
    <p class="snippet">${snippetView(hit.snippet)}</p>
  </li>`;
}

function searchView(state, actions) {
  const results = state.searchResults;
  return html`<section class="card" aria-labelledby="search-heading">
    <h2 id="search-heading">Search</h2>
    <form role="search" @submit=${actions.search}>
      <label for="library-query">Words or a "quoted phrase" (two characters or more)</label>
      <input id="library-query" name="q" type="search" required .value=${state.searchQuery ?? ""}
        aria-describedby=${state.searchProblem ? "search-error" : nothing}>
      <button type="submit" class="primary" ?disabled=${state.busy}>Search</button>
    </form>
    ${state.searchProblem ? html`<p class="error" id="search-error" role="alert">${state.searchProblem}</p>` : nothing}
    ${
      results
        ? html`<p role="status" class="muted" id="search-status">${results.length === 0 ? "Nothing found." : `${results.length} passage${results.length === 1 ? "" : "s"} found.`}</p>
          <ol class="hits">${results.map(hitView)}</ol>`
        : nothing
    }
  </section>`;
}

function videoView(video, actions) {
  const href = safeHref(video.videoUrl);
  const name = videoName(video);
  return html`<li class="card video-group">
    <div class="entry-head">
      <h3>${href ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${name}</a>` : name}</h3>
      <button type="button" class="secondary" @click=${() => actions.deleteVideo(video)} aria-label=${`Delete everything about ${name}`}>Delete all</button>
    </div>
    ${video.title ? html`<p class="muted">${video.title}</p>` : nothing}
    <ul class="library-analyses">${video.analyses.map(
      (entry) => html`<li>
        <a href=${`#/library/${entry.analysisId}`}>${FORMAT_LABELS[entry.format] ?? entry.format}${entry.followUp ? " (follow-up)" : ""}</a>
        <span class="muted">· ${when(entry.finishedAt)} · ${entry.prompt.slice(0, 80)}</span>
        <button type="button" class="link" @click=${() => actions.deleteAnalysis(entry.analysisId)} aria-label=${`Delete this ${FORMAT_LABELS[entry.format] ?? "analysis"} of ${name}`}>Delete</button>
      </li>`
    )}</ul>
  </li>`;
}

export function libraryView(state, actions) {
  const videos = state.library ?? [];
  return html`<p><a href="#/">← All analyses</a></p>
    <h1 tabindex="-1">Library</h1>
    <p class="muted">Every finished analysis, kept for LIBRARY_RETENTION_DAYS (90 days by default).</p>
    ${searchView(state, actions)}
    <section aria-labelledby="videos-heading">
      <h2 id="videos-heading">Videos <span class="muted">(${videos.length})</span></h2>
      <p role="status" class="notice">${state.libraryNotice ?? ""}</p>
      ${state.library === undefined ? html`<p>Loading…</p>` : videos.length ? html`<ol class="entries">${videos.map((video) => videoView(video, actions))}</ol>` : html`<p>The library is empty.</p>`}
    </section>`;
}

function passageTime(record, passage) {
  if (passage.startSeconds === undefined) return nothing;
  const href = videoAt(record.videoUrl, passage.startSeconds);
  const text = clock(passage.startSeconds);
  return href
    ? html`<a class="time" href=${href} target="_blank" rel="noopener noreferrer" aria-label=${`${text}: watch from here`}>${text}</a>`
    : text;
}

/** The passage shown at `seconds`: the last one that starts at or before it. */
function currentPassage(passages, seconds) {
  if (seconds === undefined) return undefined;
  let current;
  for (const passage of passages) if (passage.startSeconds !== undefined && passage.startSeconds <= seconds) current = passage;
  return current;
}

export function libraryRecordView(state, actions) {
  const record = state.libraryRecord;
  if (state.recordProblem) {
    return html`<p><a href="#/library">← Library</a></p><h1 tabindex="-1">Analysis</h1><p class="error" role="alert">${state.recordProblem}</p>`;
  }
  if (!record) return html`<p><a href="#/library">← Library</a></p><h1 tabindex="-1">Analysis</h1><p>Loading…</p>`;
  const href = safeHref(record.videoUrl);
  const current = currentPassage(record.passages, state.route.seconds);
  const timed = record.passages.filter((passage) => passage.kind !== "prompt");
  return html`<p><a href="#/library">← Library</a></p>
    <h1 tabindex="-1">${FORMAT_LABELS[record.format] ?? "Analysis"} of ${href ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${videoName(record)}</a>` : videoName(record)}</h1>
    <section class="card" aria-labelledby="request-heading">
      <h2 id="request-heading">Request</h2>
      <p class="prompt">${record.prompt}</p>
      <dl class="pairs"><dt>Model</dt><dd>${record.model}</dd><dt>Finished</dt><dd>${when(record.finishedAt)}</dd>
        <dt>Kept until</dt><dd>${when(record.expiresAt)}</dd>
        ${record.costUsd !== null ? html`<dt>Cost</dt><dd>$${record.costUsd.toFixed(4)}</dd>` : nothing}</dl>
      <button type="button" class="secondary" @click=${() => actions.deleteAnalysis(record.analysisId)}>Delete from the library</button>
    </section>
    <section class="card" aria-labelledby="answer-heading">
      <h2 id="answer-heading">${record.title ?? (record.format === "transcript" ? "Transcript" : "Answer")}</h2>
      ${
        record.format === "text"
          ? html`<div class="markdown">${renderMarkdown(record.answer)}</div>`
          : html`<ol class="passages">${timed.map(
              (
                passage
              ) => html`<li class=${passage === current ? "current" : ""} aria-current=${passage === current ? "true" : nothing}>
                ${passageTime(record, passage)} ${passage.speaker ? html`<strong>${passage.speaker}</strong>` : nothing} ${passage.text}</li>`
            )}</ol>`
      }
    </section>`;
}
