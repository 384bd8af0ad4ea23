/** Gemini's Markdown answers as sanitised DOM: marked renders, DOMPurify keeps only safe HTML. */
import { marked } from "./vendor/marked.esm.js";
import DOMPurify from "./vendor/purify.es.mjs";

let last = { text: undefined, element: undefined };

/** An element lit-html can render (the same one for the same text); links open in a new tab and leak no referrer. */
export function renderMarkdown(text) {
  if (last.text === text) return last.element;
  const element = document.createElement("div");
  element.append(DOMPurify.sanitize(marked.parse(text, { async: false }), { RETURN_DOM_FRAGMENT: true }));
  for (const link of element.querySelectorAll("a[href]")) {
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener noreferrer");
  }
  last = { text, element };
  return element;
}
