/**
 * The in-chat viewer (an MCP App): it learns the tool call from the host,
 * follows the job through the host's `tools/call` while it runs, and shows
 * the answer, chapters and transcript; a moment can be played, opened
 * outside the chat, or asked about. Every call goes through the host.
 */
import {
  App,
  applyDocumentTheme,
  applyHostFonts,
  applyHostStyleVariables,
  PostMessageTransport
} from "@modelcontextprotocol/ext-apps";
import { html, nothing, render } from "../console/vendor/lit-html.js";
import { videoAt } from "../console/format.js";
import { renderMarkdown } from "../console/markdown.js";
import { analysisOf, clipAround, clock, isRunning, isYouTube, transcriptOf, transcriptSrt } from "./analysis.js";

const POLL_MS = 1500;
const MAX_POLLS = 2400;
const INLINE_CHAPTERS = 5;
const INLINE_LINES = 3;
const MAX_PAGES = 200;

const state = {
  args: {},
  analysis: undefined,
  running: undefined,
  failure: undefined,
  query: "",
  moment: undefined,
  asking: false,
  asked: undefined,
  playable: false,
  displayMode: "inline",
  canFullscreen: false
};

const app = new App({ name: "gemini-video-viewer", version: "0.2.0" }, {}, { autoResize: true });
let polling = 0;

function videoUrl() {
  return state.analysis?.videoUrl ?? state.running?.videoUrl ?? state.args.videoUrl;
}

function jobId() {
  return state.analysis?.jobId ?? state.running?.jobId ?? state.args.jobId;
}

function update() {
  document.body.dataset.mode = state.displayMode;
  render(view(), document.getElementById("root"));
}

async function callTool(name, args) {
  const result = await app.callServerTool({ name, arguments: args });
  return { result, analysis: analysisOf(result.structuredContent) };
}

/** Follows a job through `getVideoAnalysis` until it ends (bounded), then shows its answer. */
async function follow(id) {
  const run = ++polling;
  for (let polls = 0; polls < MAX_POLLS && run === polling; polls++) {
    const { result, analysis } = await callTool("getVideoAnalysis", { jobId: id });
    if (run !== polling) return;
    if (result.isError) return fail(textOf(result));
    if (!isRunning(analysis)) return show(analysis);
    state.running = analysis;
    update();
    await sleep(POLL_MS);
  }
}

/** While the call itself blocks, finds its job among the session's (`listVideoAnalyses`) and follows it. */
async function findJob() {
  const run = ++polling;
  for (let polls = 0; polls < MAX_POLLS && run === polling; polls++) {
    const { result } = await callTool("listVideoAnalyses", {});
    if (run !== polling) return;
    const jobs = result.structuredContent?.jobs ?? [];
    const job = jobs.find((candidate) => candidate.videoUrl === state.args.videoUrl && isRunning(analysisOf(candidate)));
    if (job) return follow(job.jobId);
    await sleep(POLL_MS);
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function textOf(result) {
  return (result.content ?? [])
    .filter((block) => block.type === "text")
    .map((block) => block.text)
    .join("\n\n");
}

function show(analysis) {
  polling++;
  state.analysis = { ...analysis, videoUrl: analysis.videoUrl ?? videoUrl() };
  state.running = undefined;
  update();
  if (analysis.transcript && analysis.restFrom !== undefined && analysis.jobId) {
    void loadRest(state.analysis, analysis.restFrom).catch(reportError);
  }
}

/** A transcript cut to fit the client (MAX_RESULT_CHARS): the rest, page by page through `getVideoAnalysis`. */
async function loadRest(shown, start) {
  let from = start;
  for (let pages = 0; pages < MAX_PAGES && from !== undefined && state.analysis === shown; pages++) {
    const { result } = await callTool("getVideoAnalysis", { jobId: shown.jobId, from });
    const page = result.structuredContent;
    if (result.isError || !Array.isArray(page?.segments) || state.analysis !== shown) return;
    shown.transcript.lines.push(...transcriptOf(page).lines);
    update();
    from = page.page?.nextFrom;
  }
}

function fail(message) {
  polling++;
  state.failure = message;
  state.running = undefined;
  update();
}

app.ontoolinput = ({ arguments: args }) => {
  state.args = args ?? {};
  state.running = { status: "queued", message: "Sent to Gemini…", progress: 0, videoUrl: state.args.videoUrl };
  update();
  // A follow-up (askAboutVideo) names the earlier job, whose answer is not this call's: wait for the result.
  if (typeof state.args.question === "string") return;
  if (typeof state.args.jobId === "string") void follow(state.args.jobId).catch(reportError);
  else if (typeof state.args.videoUrl === "string") void findJob().catch(reportError);
};

app.ontoolresult = (result) => {
  if (result.isError) return fail(textOf(result));
  const analysis = analysisOf(result.structuredContent);
  if (isRunning(analysis) && analysis.jobId) {
    state.running = analysis;
    update();
    void follow(analysis.jobId).catch(reportError);
    return;
  }
  show(analysis);
};

app.ontoolcancelled = () => fail("The call was cancelled.");

app.onhostcontextchanged = (context) => applyContext(context);

function applyContext(context) {
  if (!context) return;
  if (context.theme) applyDocumentTheme(context.theme);
  if (context.styles?.variables) applyHostStyleVariables(context.styles.variables);
  if (context.styles?.css?.fonts) applyHostFonts(context.styles.css.fonts);
  if (context.displayMode) state.displayMode = context.displayMode;
  if (context.availableDisplayModes) state.canFullscreen = context.availableDisplayModes.includes("fullscreen");
  update();
}

function reportError(error) {
  fail(`The viewer could not reach the server through the host: ${error instanceof Error ? error.message : error}`);
}

async function setDisplayMode(mode) {
  const result = await app.requestDisplayMode({ mode });
  state.displayMode = result.mode;
  update();
}

function openVideo(seconds) {
  const url = videoAt(videoUrl(), seconds ?? 0);
  if (url) void app.openLink({ url });
}

/** Plays from `seconds` in the view when the video loads here, else opens it at that time outside the chat. */
function seek(seconds) {
  const video = document.querySelector("video");
  if (video && state.playable) {
    video.currentTime = seconds;
    video.focus();
    return;
  }
  openVideo(seconds);
}

function choose(moment) {
  state.moment = moment;
  state.asked = undefined;
  if (moment.start !== undefined) seek(moment.start);
  update();
  document.getElementById("question")?.focus();
}

/** Asks about the chosen moment (no form: a sandbox without allow-forms would block its submission). */
async function ask() {
  const question = document.getElementById("question")?.value.trim();
  if (!question || !state.moment || state.asking) return;
  const clip = clipAround(state.moment.start, state.moment.end);
  const id = jobId();
  state.asking = true;
  update();
  try {
    const { result, analysis } = await callTool("askAboutVideo", {
      ...(id ? { jobId: id } : { videoUrl: videoUrl() }),
      question,
      ...clip
    });
    const answer = result.isError ? textOf(result) : (analysis.answer ?? textOf(result));
    state.asked = { question, clip, answer, failed: Boolean(result.isError) };
    if (!result.isError) {
      await app.updateModelContext({
        content: [
          {
            type: "text",
            text: `In the video viewer the user asked about ${clock(clip.startOffset)}–${clock(clip.endOffset)} of ${videoUrl()}: "${question}"\nGemini answered: ${answer}`
          }
        ]
      });
    }
  } catch (error) {
    state.asked = { question, clip, answer: String(error instanceof Error ? error.message : error), failed: true };
  } finally {
    state.asking = false;
    update();
  }
}

async function download(name, mimeType, text) {
  await app.downloadFile({ contents: [{ type: "resource", resource: { uri: `file:///${name}`, mimeType, text } }] });
}

/** Links in an answer open through the host (`ui/open-link`), never inside the view. */
function openLinksThroughHost(event) {
  const link = event.target.closest?.("a[href]");
  if (!link) return;
  event.preventDefault();
  void app.openLink({ url: link.href });
}

function view() {
  const analysis = state.analysis;
  return html`
    <header class="bar">
      <div class="heading">
        <h1>${heading()}</h1>
        ${videoUrl() ? html`<button class="link" type="button" @click=${() => openVideo(0)}>${shortUrl(videoUrl())}</button>` : nothing}
      </div>
      ${state.canFullscreen ? fullscreenButton() : nothing}
    </header>
    ${state.running ? progressView(state.running) : nothing}
    ${state.failure ? html`<p class="failure" role="alert">${state.failure}</p>` : nothing}
    ${
      analysis
        ? html`${playerView()} ${answerView(analysis)} ${chaptersView(analysis)} ${transcriptView(analysis)} ${askView()}
        ${factsView(analysis)}`
        : nothing
    }
  `;
}

function heading() {
  const analysis = state.analysis;
  if (analysis?.chapters?.title) return analysis.chapters.title;
  if (analysis?.transcript) return "Transcript";
  if (analysis?.chapters) return "Chapters";
  if (analysis?.answer !== undefined) return "Gemini's answer";
  return "Video analysis";
}

function shortUrl(url) {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname.length > 28 ? `${parsed.pathname.slice(0, 27)}…` : parsed.pathname;
    return `${parsed.hostname}${path}`;
  } catch {
    return url;
  }
}

function fullscreenButton() {
  const full = state.displayMode === "fullscreen";
  return html`<button type="button" class="mode" @click=${() => setDisplayMode(full ? "inline" : "fullscreen")}>
    ${full ? "Back to chat" : "Open full view"}
  </button>`;
}

function progressView(running) {
  const percent = Math.max(0, Math.min(100, Math.round(running.progress ?? 0)));
  return html`<section class="progress" aria-live="polite">
    <div class="meter" role="progressbar" aria-label="Progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${percent}>
      <span style="width: ${percent}%"></span>
    </div>
    <p><span class="status">${running.status}</span> ${percent}% · ${running.message}</p>
  </section>`;
}

/** A file URL plays from the server's origin (`mediaUrl`, which the app's CSP declares), else from its own site. */
function playerView() {
  const url = videoUrl();
  if (!url || isYouTube(url)) return nothing;
  return html`<video
    class="player"
    controls
    preload="metadata"
    src=${state.analysis?.mediaUrl ?? url}
    @loadedmetadata=${() => {
      state.playable = true;
      update();
    }}
    @error=${() => {
      state.playable = false;
      update();
    }}
  ></video>`;
}

function answerView(analysis) {
  const summary = analysis.chapters?.summary;
  const text = analysis.answer ?? summary;
  if (text === undefined) return nothing;
  return html`<section class="answer clamp" @click=${openLinksThroughHost}>
    ${renderMarkdown(text)}
    ${analysis.note ? html`<p class="note">${analysis.note}</p>` : nothing}
  </section>`;
}

function chaptersView(analysis) {
  const chapters = analysis.chapters?.chapters ?? [];
  if (chapters.length === 0) return nothing;
  const shown = inlineShown(chapters, INLINE_CHAPTERS);
  return html`<section class="chapters" aria-label="Chapters">
    <h2>Chapters</h2>
    <ol class="timeline">
      ${shown.map(
        (chapter) => html`<li>
          <button
            type="button"
            class="moment ${state.moment?.start === chapter.start ? "chosen" : ""}"
            @click=${() => choose({ start: chapter.start ?? 0, end: chapter.end, label: chapter.title })}
          >
            <span class="time">${chapter.startText ?? ""}</span>
            <span class="title">${chapter.title}</span>
          </button>
        </li>`
      )}
    </ol>
    ${
      shown.length < chapters.length && !(state.moment && state.displayMode !== "fullscreen")
        ? moreButton(`${chapters.length - shown.length} more chapters`)
        : nothing
    }
  </section>`;
}

function transcriptView(analysis) {
  const lines = analysis.transcript?.lines;
  if (!lines) return nothing;
  const query = state.query.toLowerCase();
  const matching = query ? lines.filter((line) => `${line.speaker} ${line.text}`.toLowerCase().includes(query)) : lines;
  const shown = query ? inlineShown(matching, INLINE_LINES, false) : inlineShown(matching, INLINE_LINES);
  // Inline, a chosen moment leaves room for its question: the line alone, without the search.
  const focused = state.displayMode !== "fullscreen" && state.moment !== undefined && !query;
  return html`<section class="transcript" aria-label="Transcript">
    <div class="tools" ?hidden=${focused}>
      <label class="search">
        <span class="visually-hidden">Search the transcript</span>
        <input
          type="search"
          placeholder="Search the transcript"
          .value=${state.query}
          @input=${(event) => {
            state.query = event.target.value;
            update();
          }}
        />
      </label>
      <span class="count">${query ? `${matching.length} of ${lines.length}` : `${lines.length} lines`}</span>
      ${
        app.getHostCapabilities()?.downloadFile
          ? html`<button type="button" @click=${() => download("transcript.srt", "application/x-subrip", transcriptSrt(lines))}>
            SRT
          </button>`
          : nothing
      }
    </div>
    ${lines.length === 0 ? html`<p>No speech found in the video.</p>` : nothing}
    <ol class="lines">
      ${shown.map((line, index) => {
        const next = matching[index + 1]?.start;
        return html`<li>
          <button
            type="button"
            class="moment ${state.moment?.start === line.start ? "chosen" : ""}"
            ?disabled=${line.start === undefined}
            @click=${() => choose({ start: line.start, end: next, label: line.startText })}
          >
            <span class="time">${line.startText ?? ""}</span>
            <span class="speaker">${line.speaker}</span>
            <span class="text">${line.text}</span>
          </button>
        </li>`;
      })}
    </ol>
    ${shown.length < matching.length && !focused ? moreButton(`${matching.length - shown.length} more lines`) : nothing}
  </section>`;
}

/**
 * What a list shows: everything in the full view; inline, its first items,
 * or only the chosen moment's (room for the question box within 500 px).
 */
function inlineShown(items, count, followMoment = true) {
  if (state.displayMode === "fullscreen") return items;
  const chosen = followMoment && state.moment ? items.filter((item) => item.start === state.moment.start).slice(0, 1) : [];
  return chosen.length > 0 ? chosen : items.slice(0, count);
}

function moreButton(label) {
  if (!state.canFullscreen) return html`<p class="more">${label}: the full text is in the conversation.</p>`;
  return html`<button type="button" class="more" @click=${() => setDisplayMode("fullscreen")}>${label}: open the full view</button>`;
}

function askView() {
  const moment = state.moment;
  if (!moment) return nothing;
  const clip = clipAround(moment.start, moment.end);
  return html`<section class="ask" aria-label="Ask about this moment">
    <div class="question">
      <label for="question">Ask about ${clock(clip.startOffset)}–${clock(clip.endOffset)}</label>
      <div class="row">
        <input
          id="question"
          maxlength="2000"
          placeholder="What happens here?"
          @keydown=${(event) => {
            if (event.key === "Enter") void ask();
          }}
        />
        <button type="button" ?disabled=${state.asking} @click=${() => ask()}>${state.asking ? "Asking…" : "Ask"}</button>
      </div>
    </div>
    ${
      state.asked
        ? html`<div class="asked ${state.asked.failed ? "failure" : ""}" aria-live="polite" @click=${openLinksThroughHost}>
          ${renderMarkdown(state.asked.answer)}
        </div>`
        : nothing
    }
  </section>`;
}

function factsView(analysis) {
  const facts = [
    analysis.model,
    analysis.usage?.totalTokens !== undefined ? `${analysis.usage.totalTokens.toLocaleString("en-US")} tokens` : undefined,
    analysis.cost !== undefined ? `$${analysis.cost.toFixed(analysis.cost < 0.01 ? 4 : 2)}` : undefined
  ].filter(Boolean);
  return facts.length ? html`<footer class="facts">${facts.join(" · ")}</footer>` : nothing;
}

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.displayMode === "fullscreen") void setDisplayMode("inline");
});

update();
app
  .connect(new PostMessageTransport(window.parent, window.parent))
  .then(() => applyContext(app.getHostContext()))
  .catch((error) => fail(`The viewer could not connect to the host: ${error instanceof Error ? error.message : error}`));
