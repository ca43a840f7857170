// Small DOM helpers shared by the pages: element builder, strength words, error boxes.
import { ApiError } from "./api.js";

/** h("a", {href: "#"}, "text", child, ...): an element; attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.className = value;
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

/** Append children to el, flattening arrays and dropping null/undefined/false. */
export function add(el, ...children) {
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export const SVG_NS = "http://www.w3.org/2000/svg";

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The words of the 1-5 scale (1 = closest ... 5 = never met). */
export const STRENGTH_WORDS = {
  1: "best friend",
  2: "close friend",
  3: "know them well",
  4: "met once or twice",
  5: "never met",
};

export const STANDARD_GROUPS = [
  "Friends", "Former colleagues", "Recruiters", "Vendors", "Met once at a conference", "Never met",
];

export const VISIBILITIES = {
  CONNECTIONS: "Connections (the people I rated)",
  PUBLIC: "Public (every signed-in viewer)",
  PRIVATE: "Private (only me)",
};

export function strengthBadge(strength) {
  return h("span", { class: `badge s${strength}`, title: STRENGTH_WORDS[strength] }, strength);
}

export function strengthText(strength) {
  return `${strength} · ${STRENGTH_WORDS[strength] || "?"}`;
}

export function personLabel(person) {
  return person.name && person.name !== person.id ? `${person.name} (${person.id})` : person.id;
}

export function personLink(person) {
  return h("a", { href: `#/person?id=${encodeURIComponent(person.id)}`, "data-person": person.id }, person.name || person.id);
}

/** An error shown in words: every GraphQL error's message and extensions.code (and field). */
export function errorBox(error) {
  const errors = error instanceof ApiError ? error.errors : [{ message: String(error && error.message ? error.message : error), extensions: { code: "CLIENT" } }];
  const items = errors.map((e) => {
    const ext = e.extensions || {};
    return h("li", {},
      h("code", { class: "code" }, ext.code || "ERROR"), ": ", e.message,
      ext.field ? [" (field ", h("code", {}, ext.field), ")"] : null,
      Array.isArray(ext.invalid) ? h("ul", {}, ext.invalid.map((i) => h("li", {}, `#${i.index} ${i.field}: ${i.message}`))) : null,
    );
  });
  return h("div", { class: "error", role: "alert" }, h("strong", {}, "The service said:"), h("ul", {}, items));
}

/** Run `work`, showing its error in `where` (replacing what was there) instead of losing it. */
export async function guarded(where, work) {
  try {
    return await work();
  } catch (e) {
    where.replaceChildren(errorBox(e));
    return undefined;
  }
}

export function needMe(main, meId, what) {
  if (meId) return false;
  main.append(h("div", { class: "notice", role: "status" },
    `To ${what}, first say who you are: `, h("a", { href: "#/" }, "choose “me” or paste a token"), "."));
  return true;
}

/** A text input for a person id with suggestions (a datalist filled from the people search).
 * A failing search is said under the field, in words, like every other error. */
export function personInput({ id, label, value = "", required = false, search }) {
  const listId = id + "-list";
  const input = h("input", { type: "text", id, name: id, value, required, list: listId, autocomplete: "off", spellcheck: "false" });
  const list = h("datalist", { id: listId });
  const problem = h("div", { class: "suggest-error" });
  let pending = 0;
  input.addEventListener("input", async () => {
    const text = input.value.trim();
    const mine = ++pending;
    if (text.length < 1) return;
    try {
      const people = await search(text);
      if (mine !== pending) return;
      problem.replaceChildren();
      list.replaceChildren(...people.map((p) => h("option", { value: p.id }, personLabel(p))));
    } catch (e) {
      if (mine === pending) problem.replaceChildren(errorBox(e));
    }
  });
  return h("div", {}, h("label", { for: id }, label, input, list), problem);
}

export function field(form, name) {
  return form.elements.namedItem(name);
}

export function fmtScore(score) {
  return score.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
}
