// Rate a connection: how well I know someone, 1 (best friend) to 5 (never met), with groups,
// a visibility and optional dates. Rating again replaces the rating (and confirms an import's).
import { h, field, guarded, needMe, personInput, personLabel, STANDARD_GROUPS, STRENGTH_WORDS, VISIBILITIES } from "../dom.js";
import { gql } from "../api.js";
import { suggest } from "../queries.js";
import { me } from "../session.js";

export const RATE = `mutation Rate($input: RatingInput!) {
  rateConnection(input: $input) { from { id name } to { id name } strength groups visibility since lastInteraction context }
}`;

export async function render(main, params) {
  const fromId = me();
  const to = params.get("to") || "";
  main.append(h("h1", {}, "Rate a connection"));
  if (needMe(main, fromId, "rate a connection")) return;
  const status = h("div", { id: "rate-status", "aria-live": "polite" });
  let existing = null;
  let target = null;
  if (to) {
    const ok = await guarded(status, async () => {
      const data = await gql(
        `query Existing($from: ID!, $to: ID!) {
          target: person(id: $to) { id name }
          rating(from: $from, to: $to) { strength groups visibility since lastInteraction context }
        }`,
        { from: fromId, to },
      );
      existing = data.rating;
      target = data.target;
      return true;
    });
    if (!ok) {
      main.append(status);
      return;
    }
  }
  const groups = [...STANDARD_GROUPS];
  for (const g of existing ? existing.groups : []) if (!groups.includes(g)) groups.push(g);
  const strength = existing ? existing.strength : null;
  const visibility = existing ? existing.visibility : "CONNECTIONS";
  const form = h("form", { class: "stack card", id: "rate-form" },
    personInput({ id: "to", label: "Person (id)", value: to, required: true, search: suggest }),
    target ? h("p", { class: "muted" }, `Rating ${personLabel(target)}${existing ? " (you rated them before: saving replaces it)" : ""}.`) : null,
    h("fieldset", {},
      h("legend", {}, "How well do you know them?"),
      [1, 2, 3, 4, 5].map((n) => h("label", { class: "inline", for: `strength-${n}` },
        h("input", { type: "radio", id: `strength-${n}`, name: "strength", value: n, required: true, checked: n === strength }),
        `${n} · ${STRENGTH_WORDS[n]}`)),
    ),
    h("fieldset", {},
      h("legend", {}, "Groups"),
      groups.map((g, i) => h("label", { class: "inline", for: `group-${i}` },
        h("input", { type: "checkbox", id: `group-${i}`, name: "group", value: g, checked: existing ? existing.groups.includes(g) : false }), g)),
      h("label", { for: "other-groups" }, "Other groups (separated by commas)",
        h("input", { type: "text", id: "other-groups", name: "otherGroups", autocomplete: "off" })),
    ),
    h("fieldset", {},
      h("legend", {}, "Who may see this rating"),
      Object.entries(VISIBILITIES).map(([value, words]) => h("label", { class: "inline", for: `vis-${value}` },
        h("input", { type: "radio", id: `vis-${value}`, name: "visibility", value, checked: value === visibility }), words)),
    ),
    h("label", { for: "context" }, "Context (optional)",
      h("textarea", { id: "context", name: "context", rows: 2 }, existing && existing.context ? existing.context : "")),
    h("div", { class: "row" },
      h("label", { for: "since" }, "Known since", h("input", { type: "date", id: "since", name: "since", value: existing && existing.since ? existing.since : "" })),
      h("label", { for: "lastInteraction" }, "Last interaction", h("input", { type: "date", id: "lastInteraction", name: "lastInteraction", value: existing && existing.lastInteraction ? existing.lastInteraction : "" })),
    ),
    h("div", {}, h("button", { type: "submit", id: "rate-submit" }, "Save rating")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("#rate-submit");
    button.disabled = true;
    const chosen = [...form.querySelectorAll('input[name="group"]:checked')].map((i) => i.value);
    const other = field(form, "otherGroups").value.split(",").map((t) => t.trim()).filter(Boolean);
    const checked = form.querySelector('input[name="strength"]:checked');
    const input = {
      from: fromId,
      to: field(form, "to").value.trim(),
      strength: checked ? Number(checked.value) : 0,
      groups: [...chosen, ...other],
      visibility: form.querySelector('input[name="visibility"]:checked').value,
      context: field(form, "context").value.trim() || null,
      since: field(form, "since").value || null,
      lastInteraction: field(form, "lastInteraction").value || null,
    };
    await guarded(status, async () => {
      const data = await gql(RATE, { input });
      const r = data.rateConnection;
      status.replaceChildren(h("div", { class: "success", role: "status", id: "rate-saved" },
        `Saved: you know ${r.to.name} as ${r.strength} · ${STRENGTH_WORDS[r.strength]}`,
        r.groups.length ? ` (${r.groups.join(", ")})` : "", `, visibility ${r.visibility.toLowerCase()}. `,
        h("a", { href: `#/person?id=${encodeURIComponent(r.from.id)}` }, "See your ratings"), "."));
    });
    button.disabled = false;
  });
  main.append(form, status);
}
