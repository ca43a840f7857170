// The value of my network (API.md v2 `networkReport`): counts, strengths, groups, mismatches.
import { h, guarded, needMe, personLink, strengthBadge, STRENGTH_WORDS } from "../dom.js";
import { gql } from "../api.js";
import { me } from "../session.js";

const QUERY = `query Report($owner: ID) {
  networkReport(owner: $owner) {
    owner { id name }
    connections unreviewed neverMet reciprocated warmReach stale
    byStrength { strength count }
    byGroup { group count }
    mismatches(first: 20) { person { id name } yours theirs }
  }
}`;

function bars(rows, labelOf) {
  const top = Math.max(1, ...rows.map((r) => r.count));
  return h("div", { class: "bars" }, rows.map((r) => h("div", { class: "bar" },
    h("span", {}, labelOf(r)),
    h("span", { class: "fill", style: `width: ${(100 * r.count) / top}%`, "aria-hidden": "true" }),
    h("span", {}, r.count))));
}

export async function render(main) {
  const owner = me();
  main.append(h("h1", {}, "My network"));
  if (needMe(main, owner, "see your network report")) return;
  const body = h("div", { id: "report" });
  main.append(body);
  await guarded(body, async () => {
    const data = await gql(QUERY, { owner });
    const r = data.networkReport;
    if (!r) {
      body.append(h("div", { class: "notice", role: "status" }, `No person with id “${owner}”.`));
      return;
    }
    const stat = (key, label, value) => h("div", { class: "stat", "data-stat": key }, h("b", {}, value), label);
    body.append(
      h("p", {}, `${r.owner.name}'s network as you can see it.`),
      h("div", { class: "stats" },
        stat("connections", "people rated", r.connections),
        stat("reciprocated", "rated you back", r.reciprocated),
        stat("unreviewed", "to review", r.unreviewed),
        stat("neverMet", "never met", r.neverMet),
        stat("stale", "stale (24 months)", r.stale),
        stat("warmReach", "warm reach", r.warmReach),
      ),
      h("h2", {}, "By strength"),
      bars(r.byStrength, (row) => [strengthBadge(row.strength), ` ${STRENGTH_WORDS[row.strength]}`]),
      h("h2", {}, "By group"),
      r.byGroup.length ? bars(r.byGroup, (row) => row.group) : h("p", { class: "muted" }, "No groups."),
      h("h2", {}, "Mismatches"),
      r.mismatches.length
        ? h("div", { class: "table-wrap" }, h("table", { id: "mismatches" },
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Person"), h("th", { scope: "col" }, "Yours"), h("th", { scope: "col" }, "Theirs"))),
            h("tbody", {}, r.mismatches.map((m) => h("tr", { "data-person": m.person.id },
              h("th", { scope: "row" }, personLink(m.person)), h("td", {}, strengthBadge(m.yours)), h("td", {}, strengthBadge(m.theirs)))))))
        : h("p", { class: "muted" }, "No ratings that differ by 2 or more."),
    );
    body.dataset.loaded = "true";
  });
}
