/**
 * The console page: signs in, keeps the list of analyses live over
 * Server-Sent Events, starts and cancels analyses, and shows one analysis
 * (`#/analyses/<id>`). Rendering is lit-html (vendored); state lives here.
 */
import { api } from "./api.js";
import { deleteConsoleUpload, isUnfinished, sendFile, unfinishedConsoleUploads, uploadFileName } from "./console-uploads.js";
import { FINAL_STATES } from "./format.js";
import { render } from "./vendor/lit-html.js";
import { libraryRecordView, libraryView } from "./library-views.js";
import { analysisView, headerView, listView, signInView } from "./views.js";

const state = {
  signedIn: undefined,
  busy: false,
  signInProblem: undefined,
  formProblems: undefined,
  analyses: new Map(),
  streamStatus: "",
  notice: "",
  route: routeOf(location.hash),
  record: undefined,
  recordProblem: undefined,
  defaultModelHint: "server default",
  /** The file the start form will upload, until Start. */
  chosenFile: undefined,
  /** This page's uploads by a key of their own: their progress (uploads.js) and `analysisId`. */
  uploads: new Map(),
  /** Uploads a reload or a crash left unfinished (uploads.js `unfinishedUploads`). */
  unfinished: [],
  /** The file names of uploads analyses read, by their `videoUrl` (`upload:<id>`), as the server knows them. */
  uploadNames: new Map(),
  /** The deployment's unfinished uploads by id, as the server's event stream tells them (from any page or client). */
  serverUploads: new Map()
};

const uploadControls = new Map();
let uploadCount = 0;

let events;
const namesAsked = new Set();
let placeholderCleared = false;

function routeOf(hash) {
  const match = /^#\/analyses\/([0-9a-f.]+)$/.exec(hash);
  if (match) return { page: "analysis", id: match[1] };
  const kept = /^#\/library\/([0-9a-f.]+)(?:\?t=(\d+))?$/.exec(hash);
  if (kept) return { page: "library-record", id: kept[1], seconds: kept[2] === undefined ? undefined : Number(kept[2]) };
  return hash === "#/library" ? { page: "library" } : { page: "list" };
}

const LIBRARY_VIEWS = { library: libraryView, "library-record": libraryRecordView };

function update(changes, { focusHeading = false } = {}) {
  Object.assign(state, changes);
  render(headerView(state, actions), document.getElementById("header"));
  const main = document.getElementById("main");
  if (!placeholderCleared) {
    // lit-html renders beside what is there: the static "Loading…" goes first.
    main.replaceChildren();
    placeholderCleared = true;
  }
  const view =
    state.signedIn === false
      ? signInView
      : state.signedIn === undefined
        ? undefined
        : state.route.page === "analysis"
          ? analysisView
          : (LIBRARY_VIEWS[state.route.page] ?? listView);
  if (view) render(view(state, actions), main);
  if (focusHeading) main.querySelector("h1")?.focus();
  main.querySelector("li.current")?.scrollIntoView({ block: "center" });
}

/** The analyses with `entry` in, unless the one held is newer (a cancel's answer may cross a live update). */
function withEntry(entry) {
  const held = state.analyses.get(entry.id);
  return held && held.updatedAt > entry.updatedAt ? state.analyses : new Map(state.analyses).set(entry.id, entry);
}

function signedOut(problem) {
  events?.close();
  events = undefined;
  update({ signedIn: false, signInProblem: problem, analyses: new Map(), record: undefined }, { focusHeading: true });
}

/** Calls `fn`; a 401 means the sign-in ended (expired, or signed out elsewhere). */
async function guarded(fn) {
  try {
    return await fn();
  } catch (error) {
    if (error.status === 401) signedOut("Your sign-in has ended; sign in again.");
    else throw error;
  }
}

/** Asks the server once for the file name of each upload an analysis reads. */
function learnUploadNames(entries) {
  for (const { videoUrl } of entries) {
    const uploadId = /^upload:([0-9a-f]{32})$/.exec(videoUrl)?.[1];
    if (!uploadId || namesAsked.has(uploadId)) continue;
    namesAsked.add(uploadId);
    void uploadFileName(uploadId).then((name) => {
      if (name) update({ uploadNames: new Map(state.uploadNames).set(videoUrl, name) });
    });
  }
}

function openEvents() {
  events?.close();
  events = new EventSource(api.eventsUrl);
  events.addEventListener("analyses", (event) => {
    const entries = JSON.parse(event.data);
    learnUploadNames(entries);
    // A fresh list: the uploads, if any, follow in an `uploads` event.
    update({
      analyses: new Map(entries.map((entry) => [entry.id, entry])),
      serverUploads: new Map(),
      streamStatus: "Live: updates appear as they happen."
    });
  });
  events.addEventListener("uploads", (event) => {
    const uploads = JSON.parse(event.data).filter((upload) => upload.state === "uploading");
    update({ serverUploads: new Map(uploads.map((upload) => [upload.uploadId, upload])) });
  });
  events.addEventListener("upload", (event) => {
    const upload = JSON.parse(event.data);
    const serverUploads = new Map(state.serverUploads);
    if (upload.state === "uploading") serverUploads.set(upload.uploadId, upload);
    else serverUploads.delete(upload.uploadId);
    update({ serverUploads });
  });
  events.addEventListener("analysis", (event) => {
    const entry = JSON.parse(event.data);
    learnUploadNames([entry]);
    const before = state.analyses.get(entry.id);
    update({ analyses: withEntry(entry) });
    const open = state.route.page === "analysis" && state.route.id === entry.id;
    if (open && FINAL_STATES.has(entry.state) && before?.state !== entry.state) void loadRecord(entry.id);
    if (entry.state === "done" && before?.state !== "done") void loadSpend();
  });
  events.addEventListener("error", () => {
    update({ streamStatus: "Reconnecting to live updates…" });
    // An EventSource hides the status; ask whether the sign-in still holds.
    void guarded(() => api.me()).catch(() => {});
  });
}

async function loadRecord(id) {
  try {
    const record = await guarded(() => api.analysis(id));
    if (record && state.route.id === id) update({ record, recordProblem: undefined });
  } catch (error) {
    update({ recordProblem: error.message });
  }
}

async function loadSpend() {
  try {
    const spend = await guarded(() => api.spend());
    if (spend) update({ spend });
  } catch {
    // The totals stay as they were; the next finished analysis asks again.
  }
}

async function loadLibrary() {
  try {
    update({ library: await guarded(() => api.library()) });
  } catch (error) {
    update({ libraryNotice: `Could not read the library: ${error.message}` });
  }
}

async function loadLibraryRecord(id) {
  try {
    const libraryRecord = await guarded(() => api.libraryRecord(id));
    if (libraryRecord && state.route.id === id) update({ libraryRecord, recordProblem: undefined });
  } catch (error) {
    update({ recordProblem: error.message });
  }
}

/** What a page needs loaded once signed in. */
async function loadPage(route) {
  if (route.page === "analysis") await loadRecord(route.id);
  else if (route.page === "library") await loadLibrary();
  else if (route.page === "library-record") await loadLibraryRecord(route.id);
}

async function showRoute() {
  const route = routeOf(location.hash);
  update({ route, record: undefined, libraryRecord: undefined, recordProblem: undefined }, { focusHeading: true });
  if (state.signedIn) await loadPage(route);
}

/** The unfinished uploads, but those this page is sending. */
async function refreshUnfinished() {
  const sending = new Set([...state.uploads.values()].map((upload) => upload.uploadId));
  const unfinished = await unfinishedConsoleUploads();
  update({ unfinished: unfinished.filter((upload) => !sending.has(upload.uploadId)) });
}

/**
 * Empties the fields that still hold what was sent, and leaves the others:
 * the start's answer may come after the next video is being entered.
 */
function clearSent(form, fields) {
  for (const element of form.elements) {
    if (!(element.name in fields) || element.value !== fields[element.name]) continue;
    element.value =
      element instanceof HTMLSelectElement
        ? (([...element.options].find((option) => option.defaultSelected) ?? element.options[0])?.value ?? "")
        : element.defaultValue;
  }
}

function showProblems(error) {
  update({ busy: false, formProblems: error.problems?.length ? error.problems : [{ message: error.message }] });
  const first = state.formProblems.find((problem) => problem.field);
  (first ? document.getElementById(first.field) : document.getElementById("form-problems"))?.focus();
}

/** Uploads `file` and starts its analysis with `fields`; `onStarted` hears when the analysis is in. */
function upload(file, fields, onStarted) {
  const key = `upload-${++uploadCount}`;
  const control = sendFile(file, fields, {
    onChange(progress) {
      const before = state.uploads.get(key);
      update({ uploads: new Map(state.uploads).set(key, progress) });
      // The unfinished list changes when an upload is named (it is this page's now) or ends.
      if (progress.uploadId !== before?.uploadId || progress.status === "done") void refreshUnfinished();
    },
    async startAnalysis(analysisFields) {
      const started = await guarded(() => api.start(analysisFields));
      if (!started) throw new Error("Your sign-in has ended; sign in again.");
      onStarted?.(analysisFields);
      return started.id;
    },
    onRefused(error) {
      const uploads = new Map(state.uploads);
      uploads.delete(key);
      uploadControls.delete(key);
      update({ uploads, chosenFile: file });
      showProblems(error);
    }
  });
  uploadControls.set(key, control);
}

async function enter() {
  update({ signedIn: true, signInProblem: undefined }, { focusHeading: true });
  void refreshUnfinished();
  openEvents();
  void loadSpend();
  await loadPage(state.route);
}

const actions = {
  async signIn(event) {
    event.preventDefault();
    const secret = new FormData(event.target).get("secret");
    update({ busy: true });
    try {
      await api.signIn(secret);
      update({ busy: false });
      await enter();
    } catch (error) {
      update({ busy: false, signInProblem: error.message });
      document.getElementById("secret")?.focus();
    }
  },
  async signOut() {
    await api.signOut().catch(() => {});
    signedOut(undefined);
  },
  async start(event) {
    event.preventDefault();
    const form = event.target;
    update({ busy: true });
    const file = state.chosenFile;
    if (file) {
      upload(file, Object.fromEntries(new FormData(form)), () => {
        form.reset();
        update({
          busy: false,
          chosenFile: undefined,
          formProblems: undefined,
          notice: `Started: ${file.name}, uploading. Its analysis is at the top of the list.`
        });
      });
      return;
    }
    try {
      const fields = Object.fromEntries(new FormData(form));
      await guarded(() => api.start(fields));
      clearSent(form, fields);
      update({ busy: false, formProblems: undefined, notice: `Started: ${fields.videoUrl}. It is at the top of the list.` });
    } catch (error) {
      showProblems(error);
    }
  },
  async search(event) {
    event.preventDefault();
    const q = String(new FormData(event.target).get("q") ?? "");
    update({ busy: true, searchQuery: q });
    try {
      const { hits } = await guarded(() => api.librarySearch(q));
      update({ busy: false, searchResults: hits, searchProblem: undefined });
    } catch (error) {
      update({ busy: false, searchResults: undefined, searchProblem: error.message });
    }
  },
  async deleteAnalysis(id) {
    if (!window.confirm("Delete this analysis from the library? It cannot be found again.")) return;
    try {
      await guarded(() => api.deleteFromLibrary(id));
      update({
        libraryNotice: "Deleted from the library.",
        searchResults: state.searchResults?.filter((hit) => hit.analysisId !== id)
      });
      if (state.route.page === "library") await loadLibrary();
      else location.hash = "#/library";
    } catch (error) {
      update({ libraryNotice: `Could not delete: ${error.message}` });
    }
  },
  async deleteVideo(video) {
    if (!window.confirm(`Delete every analysis of ${video.uploadName ?? video.videoUrl} from the library?`)) return;
    try {
      const { deleted } = await guarded(() => api.deleteVideoFromLibrary(video.videoKey));
      const ids = new Set(video.analyses.map((entry) => entry.analysisId));
      update({
        libraryNotice: `Deleted ${deleted} analys${deleted === 1 ? "is" : "es"} of ${video.uploadName ?? video.videoUrl}.`,
        searchResults: state.searchResults?.filter((hit) => !ids.has(hit.analysisId))
      });
      await loadLibrary();
    } catch (error) {
      update({ libraryNotice: `Could not delete: ${error.message}` });
    }
  },
  async chooseFile(file, extraCount) {
    if (await isUnfinished(file)) {
      // The same file as an unfinished upload: carry it on now; its analysis is already waiting for it.
      const form = document.querySelector("#main form");
      upload(file, form ? Object.fromEntries(new FormData(form)) : {});
      update({ notice: `Carrying on with ${file.name}.` });
      return;
    }
    update({ chosenFile: file, notice: extraCount > 0 ? `Only ${file.name} is taken: one file per analysis.` : "" });
  },
  clearFile() {
    update({ chosenFile: undefined });
    document.getElementById("videoFile")?.focus();
  },
  async deleteUpload(unfinished) {
    await deleteConsoleUpload(unfinished);
    update({ notice: `Deleted the upload of ${unfinished.fileName}.` });
    await refreshUnfinished();
  },
  pauseUpload(key) {
    uploadControls.get(key)?.pause();
  },
  resumeUpload(key) {
    uploadControls.get(key)?.resume();
  },
  async cancel(id) {
    try {
      const entry = await guarded(() => api.cancel(id));
      if (entry) update({ analyses: withEntry(entry) });
    } catch (error) {
      update({ notice: `Could not cancel: ${error.message}` });
    }
  }
};

window.addEventListener("hashchange", () => void showRoute());

try {
  await api.me();
  await enter();
} catch (error) {
  if (error.status === 401) signedOut(undefined);
  else update({ signedIn: false, signInProblem: error.message });
}
