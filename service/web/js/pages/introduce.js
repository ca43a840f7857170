// "Who can introduce me to X": the introducers (both steps, whose rating each used, the score)
// and the warm paths of up to 4 hops, each drawn as a small graph.
import { h, field, guarded, needMe, personInput, personLink, strengthBadge, strengthText, fmtScore, STRENGTH_WORDS } from "../dom.js";
import { gql } from "../api.js";
import { STEP_FIELDS, suggest } from "../queries.js";
import { pathGraph } from "../graph.js";
import { go } from "../nav.js";
import { me } from "../session.js";

const QUERY = `query Introductions($from: ID, $target: ID!, $maxHops: Int, $maxStrength: Int, $avoid: [ID!], $first: Int) {
  target: person(id: $target) { id name }
  introducers(from: $from, target: $target, maxStrength: $maxStrength, first: 10) {
    person { id name headline }
    toIntroducer { ${STEP_FIELDS} }
    toTarget { ${STEP_FIELDS} }
    score
  }
  warmPaths(from: $from, target: $target, maxHops: $maxHops, maxStrength: $maxStrength, avoid: $avoid, first: $first) {
    people { id name }
    steps { ${STEP_FIELDS} }
    hops
    score
  }
}`;

function numberParam(params, name, fallback) {
  const raw = params.get(name);
  return raw === null || raw === "" ? fallback : Number(raw);
}

export async function render(main, params) {
  const fromId = me();
  const target = params.get("target") || "";
  const maxHops = numberParam(params, "maxHops", 3);
  const maxStrength = numberParam(params, "maxStrength", 5);
  const first = numberParam(params, "first", 5);
  const avoidText = params.get("avoid") || "";
  const avoid = avoidText.split(",").map((t) => t.trim()).filter(Boolean);

  main.append(h("h1", {}, "Who can introduce me?"));
  if (needMe(main, fromId, "ask for an introduction")) return;
  const form = h("form", { class: "stack card", id: "introduce-form" },
    personInput({ id: "target", label: "Introduce me to (person id)", value: target, required: true, search: suggest }),
    h("div", { class: "row" },
      h("label", { for: "maxHops" }, "Hops at most",
        h("select", { id: "maxHops", name: "maxHops" }, [1, 2, 3, 4].map((n) => h("option", { value: n, selected: n === maxHops }, n)))),
      h("label", { for: "maxStrength" }, "Steps at most strength",
        h("select", { id: "maxStrength", name: "maxStrength" }, [5, 4, 3, 2, 1].map((n) => h("option", { value: n, selected: n === maxStrength }, strengthText(n))))),
      h("label", { for: "first" }, "Paths",
        h("select", { id: "first", name: "first" }, [3, 5, 10, 20].map((n) => h("option", { value: n, selected: n === first }, n)))),
    ),
    h("label", { for: "avoid" }, "Avoid (person ids, separated by commas)",
      h("input", { type: "text", id: "avoid", name: "avoid", value: avoidText, autocomplete: "off", spellcheck: "false" })),
    h("div", {}, h("button", { type: "submit" }, "Find introductions")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go("introduce", {
      target: field(form, "target").value.trim(),
      maxHops: field(form, "maxHops").value,
      maxStrength: field(form, "maxStrength").value,
      first: field(form, "first").value,
      avoid: field(form, "avoid").value.trim(),
    });
  });
  main.append(form);
  if (!target) return;

  const results = h("div", { id: "introduce-results" });
  main.append(results);
  await guarded(results, async () => {
    const data = await gql(QUERY, { from: fromId, target, maxHops, maxStrength, avoid, first });
    if (!data.target) {
      results.append(h("div", { class: "notice", role: "status" }, `No person with id “${target}”: `,
        h("a", { href: "#/people" }, "find them by name"), "."));
    }
    const name = data.target ? data.target.name : target;
    results.append(
      h("h2", {}, `Introducers to ${name}`),
      introducersTable(data.introducers, fromId),
      h("h2", {}, `Warm paths to ${name}`),
      pathsList(data.warmPaths),
    );
    results.dataset.loaded = "true";
  });
}

function stepCell(step) {
  const reverse = step.ratedBy.id !== step.from.id;
  return h("td", { "data-strength": step.strength, "data-rated-by": step.ratedBy.id },
    strengthBadge(step.strength), ` ${STRENGTH_WORDS[step.strength]}`,
    h("div", { class: "muted" }, `${step.ratedBy.name}'s rating${reverse ? " (the reverse one)" : ""}`),
    step.groups.length ? h("div", {}, step.groups.map((g) => h("span", { class: "chip" }, g))) : null,
  );
}

function introducersTable(introducers) {
  if (introducers.length === 0) {
    return h("p", { class: "muted", id: "no-introducers" }, "Nobody is one step from both of you (with these limits).");
  }
  return h("div", { class: "table-wrap" }, h("table", { id: "introducers" },
    h("caption", { class: "muted" }, "Best first; score = the chance both steps work."),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Introducer"), h("th", { scope: "col" }, "Me → them"), h("th", { scope: "col" }, "Them → target"), h("th", { scope: "col" }, "Score"))),
    h("tbody", {}, introducers.map((i) => h("tr", { "data-person": i.person.id },
      h("th", { scope: "row" }, personLink(i.person), i.person.headline ? h("div", { class: "muted" }, i.person.headline) : null),
      stepCell(i.toIntroducer),
      stepCell(i.toTarget),
      h("td", { class: "score" }, fmtScore(i.score)),
    ))),
  ));
}

function pathsList(paths) {
  if (paths.length === 0) {
    return h("p", { class: "muted", id: "no-paths" }, "No warm path within these limits.");
  }
  return h("ol", { class: "paths", id: "warm-paths" }, paths.map((path, index) => h("li", {
    "data-people": path.people.map((p) => p.id).join(","), "data-score": path.score,
  },
    h("p", {}, h("strong", {}, `Path ${index + 1}`), ` · ${path.hops} hop${path.hops === 1 ? "" : "s"} · score ${fmtScore(path.score)}`),
    pathGraph(path, { title: `Path ${index + 1}: ` + path.people.map((p) => p.name).join(" → ") }),
    h("ul", { class: "muted" }, path.steps.map((st) => h("li", {},
      `${st.from.name} → ${st.to.name}: ${strengthText(st.strength)}, ${st.ratedBy.name}'s rating`,
      st.groups.length ? ` (${st.groups.join(", ")})` : "",
    ))),
  )));
}
