// One person: who they are, and the ratings they gave (as the viewer sees them), by strength,
// filtered by group and strength through the API's own `group` and `maxStrength` arguments.
import { h, field, guarded, needMe, personLink, strengthBadge, strengthText, STRENGTH_WORDS } from "../dom.js";
import { gql } from "../api.js";
import { PERSON_FIELDS } from "../queries.js";
import { go } from "../nav.js";
import { me } from "../session.js";

const RATING = "to { id name } strength groups visibility since lastInteraction context";

export async function render(main, params) {
  const id = params.get("id") || me();
  main.append(h("h1", {}, "Person"));
  if (!id) {
    needMe(main, "", "see your own ratings");
    main.append(h("p", {}, h("a", { href: "#/people" }, "Find a person"), "."));
    return;
  }
  const group = params.get("group") || null;
  const maxStrength = params.get("maxStrength") ? Number(params.get("maxStrength")) : null;
  const body = h("div", { id: "person-body" });
  main.append(body);
  await guarded(body, async () => {
    const data = await gql(
      `query Person($id: ID!, $group: String, $maxStrength: Int) {
        person(id: $id) {
          ${PERSON_FIELDS}
          all: ratings(first: 100) { items { groups } nextCursor }
          shown: ratings(first: 100, group: $group, maxStrength: $maxStrength) { items { ${RATING} } nextCursor }
        }
      }`,
      { id, group, maxStrength },
    );
    const p = data.person;
    if (!p) {
      body.append(h("div", { class: "notice", role: "status" }, `No person with id “${id}”.`));
      return;
    }
    main.querySelector("h1").textContent = p.name;
    body.append(h("div", { class: "card" },
      h("p", {}, h("code", {}, p.id), [p.headline, p.company, p.location].filter(Boolean).map((t) => [" · ", t])),
      p.profileUrl ? h("p", {}, h("a", { href: p.profileUrl, rel: "noreferrer noopener" }, p.profileUrl)) : null,
      p.id === me() ? null : h("p", { class: "row" },
        h("a", { href: `#/introduce?target=${encodeURIComponent(p.id)}` }, `Who can introduce me to ${p.name}?`),
        h("a", { href: `#/rate?to=${encodeURIComponent(p.id)}` }, `Rate how well I know ${p.name}`),
      ),
    ));

    const counts = new Map();
    for (const r of p.all.items) for (const g of r.groups) counts.set(g, (counts.get(g) || 0) + 1);
    const groups = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const filter = h("form", { class: "row card", id: "rating-filter" },
      h("label", { for: "group" }, "Group",
        h("select", { id: "group", name: "group" },
          h("option", { value: "" }, "all groups"),
          groups.map(([g, n]) => h("option", { value: g, selected: g === group }, `${g} (${n}${p.all.nextCursor ? "+" : ""})`)))),
      h("label", { for: "maxStrength" }, "At most strength",
        h("select", { id: "maxStrength", name: "maxStrength" },
          [5, 4, 3, 2, 1].map((n) => h("option", { value: n, selected: (maxStrength || 5) === n }, strengthText(n))))),
      h("button", { type: "submit" }, "Show"),
    );
    filter.addEventListener("submit", (event) => {
      event.preventDefault();
      const m = field(filter, "maxStrength").value;
      go("person", { id: p.id, group: field(filter, "group").value, maxStrength: m === "5" ? "" : m });
    });
    body.append(h("h2", {}, `Ratings ${p.name} gave`), filter);

    const ratings = p.shown.items;
    if (ratings.length === 0) {
      body.append(h("p", { class: "muted", id: "no-ratings" }, "No ratings to show."));
    }
    for (const strength of [1, 2, 3, 4, 5]) {
      const these = ratings.filter((r) => r.strength === strength);
      if (these.length === 0) continue;
      body.append(h("section", { "data-strength": strength, "aria-labelledby": `s${strength}-h` },
        h("h3", { id: `s${strength}-h` }, strengthBadge(strength), ` ${STRENGTH_WORDS[strength]} (${these.length})`),
        h("ul", { class: "plain ratings" }, these.map((r) => h("li", { "data-to": r.to.id },
          personLink(r.to), " ",
          r.groups.map((g) => h("span", { class: "chip" }, g)),
          h("span", { class: "muted" }, ` ${r.visibility.toLowerCase()}`, r.since ? ` · since ${r.since}` : "", r.context ? ` · ${r.context}` : ""),
        ))),
      ));
    }
    if (p.shown.nextCursor) {
      body.append(h("p", { class: "muted" }, "The first 100 are shown; narrow with the group or strength filter."));
    }
  });
}
