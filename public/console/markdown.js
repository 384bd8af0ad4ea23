/** Gemini's Markdown answers as sanitised DOM: marked renders, DOMPurify keeps only safe HTML. */
import { marked } from "./vendor/marked.esm.js";
import DOMPurify from "./vendor/purify.es.mjs";

/**
 * What an answer may contain: text and its structure, links and images, and
 * nothing a click or a key acts through (no form, input, button, select,
 * textarea, details, dialog, iframe, object or embed). An answer is text
 * from Gemini, which can be steered by the video, so it is treated as hostile:
 * a form in it would post to the console's API as the signed-in owner.
 * (GFM task-list checkboxes lose their box and keep their text.)
 */
const ANSWER_HTML = {
  ALLOWED_TAGS: (
    "a abbr b blockquote br caption code dd del div dl dt em h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p " +
    "pre q s small span strong sub sup table tbody td tfoot th thead tr u ul"
  ).split(" "),
  ALLOWED_ATTR: ["href", "title", "alt", "src", "start", "align", "colspan", "rowspan"],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true
};

let last = { text: undefined, element: undefined };

/** An element lit-html can render (the same one for the same text); links open in a new tab and leak no referrer. */
export function renderMarkdown(text) {
  if (last.text === text) return last.element;
  const element = document.createElement("div");
  element.append(DOMPurify.sanitize(marked.parse(text, { async: false }), ANSWER_HTML));
  for (const link of element.querySelectorAll("a[href]")) {
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener noreferrer");
  }
  last = { text, element };
  return element;
}
