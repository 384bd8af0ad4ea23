/**
 * The console page: signs in, keeps the list of analyses live over
 * Server-Sent Events, starts and cancels analyses, and shows one analysis
 * (`#/analyses/<id>`). Rendering is lit-html (vendored); state lives here.
 */
import { api } from "./api.js";
import { FINAL_STATES } from "./format.js";
import { render } from "./vendor/lit-html.js";
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
  defaultModelHint: "server default"
};

let events;
let placeholderCleared = false;

function routeOf(hash) {
  const match = /^#\/analyses\/([0-9a-f.]+)$/.exec(hash);
  return match ? { page: "analysis", id: match[1] } : { page: "list" };
}

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
          : listView;
  if (view) render(view(state, actions), main);
  if (focusHeading) main.querySelector("h1")?.focus();
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

function openEvents() {
  events?.close();
  events = new EventSource(api.eventsUrl);
  events.addEventListener("analyses", (event) => {
    update({
      analyses: new Map(JSON.parse(event.data).map((entry) => [entry.id, entry])),
      streamStatus: "Live: updates appear as they happen."
    });
  });
  events.addEventListener("analysis", (event) => {
    const entry = JSON.parse(event.data);
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

async function showRoute() {
  const route = routeOf(location.hash);
  update({ route, record: undefined, recordProblem: undefined }, { focusHeading: true });
  if (route.page === "analysis" && state.signedIn) await loadRecord(route.id);
}

async function enter() {
  update({ signedIn: true, signInProblem: undefined }, { focusHeading: true });
  openEvents();
  void loadSpend();
  if (state.route.page === "analysis") await loadRecord(state.route.id);
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
    try {
      const fields = Object.fromEntries(new FormData(form));
      await guarded(() => api.start(fields));
      form.reset();
      update({ busy: false, formProblems: undefined, notice: `Started: ${fields.videoUrl}. It is at the top of the list.` });
    } catch (error) {
      update({ busy: false, formProblems: error.problems?.length ? error.problems : [{ message: error.message }] });
      const first = state.formProblems.find((problem) => problem.field);
      (first ? document.getElementById(first.field) : document.getElementById("form-problems"))?.focus();
    }
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
