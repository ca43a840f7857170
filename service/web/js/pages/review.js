// Ratings to confirm (API.md v2 `toReview`): ratings an import made that their rater has not
// confirmed. Confirming rates again (with the strength chosen here), which sets `reviewed`.
import { h, guarded, needMe, personLink, strengthText, STRENGTH_WORDS } from "../dom.js";
import { gql } from "../api.js";
import { RATE } from "./rate.js";
import { me } from "../session.js";

const QUERY = `query ToReview($owner: ID, $after: String) {
  toReview(owner: $owner, first: 20, after: $after) {
    items { from { id } to { id name headline company } strength groups visibility since lastInteraction context reviewed }
    nextCursor
  }
}`;

export async function render(main) {
  const owner = me();
  main.append(h("h1", {}, "Ratings to review"));
  if (needMe(main, owner, "review imported ratings")) return;
  main.append(h("p", { class: "muted" }, "An import rated these people for you with a default strength. Confirm each one, or change its strength first."));
  const list = h("ul", { class: "plain ratings", id: "review-list" });
  const more = h("div", { "aria-live": "polite" });
  main.append(list, more);
  await page(owner, list, more, null);
}

async function page(owner, list, more, after) {
  await guarded(more, async () => {
    const data = await gql(QUERY, { owner, after });
    const result = data.toReview;
    if (!after && result.items.length === 0) {
      list.append(h("li", { class: "muted", id: "nothing-to-review" }, "Nothing to review."));
    }
    for (const r of result.items) list.append(item(r));
    more.replaceChildren();
    if (result.nextCursor) {
      const button = h("button", { type: "button", class: "secondary", onclick: async () => {
        button.disabled = true;
        await page(owner, list, more, result.nextCursor);
      } }, "More");
      more.append(button);
    }
  });
}

function item(r) {
  const selectId = `review-strength-${r.to.id}`;
  const status = h("div", { "aria-live": "polite" });
  const select = h("select", { id: selectId, name: "strength" },
    [1, 2, 3, 4, 5].map((n) => h("option", { value: n, selected: n === r.strength }, strengthText(n))));
  const button = h("button", { type: "submit", "data-confirm": r.to.id }, "Confirm");
  const form = h("form", { class: "row" },
    h("label", { for: selectId }, `How well do you know ${r.to.name}?`, select), button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    const input = {
      from: r.from.id, to: r.to.id, strength: Number(select.value), groups: r.groups,
      visibility: r.visibility, since: r.since, lastInteraction: r.lastInteraction, context: r.context,
    };
    const ok = await guarded(status, async () => {
      const data = await gql(RATE, { input });
      const saved = data.rateConnection;
      status.replaceChildren(h("div", { class: "success", role: "status" },
        `Confirmed: ${saved.to.name} is ${saved.strength} · ${STRENGTH_WORDS[saved.strength]}.`));
      return true;
    });
    if (ok) li.dataset.reviewed = "true";
    else button.disabled = false;
  });
  const li = h("li", { "data-to": r.to.id },
    personLink(r.to), [r.to.headline, r.to.company].filter(Boolean).map((t) => h("span", { class: "muted" }, ` · ${t}`)),
    h("div", {}, r.groups.map((g) => h("span", { class: "chip" }, g)), r.since ? h("span", { class: "muted" }, ` connected ${r.since}`) : null),
    form, status);
  return li;
}
