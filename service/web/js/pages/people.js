// Find a person: the `people` search (name substring or id prefix), page by page.
import { h, field, guarded, personLink } from "../dom.js";
import { searchPeople } from "../queries.js";
import { go } from "../nav.js";

export async function render(main, params) {
  const search = params.get("search") || "";
  const form = h("form", { class: "row card", role: "search", id: "people-form" },
    h("label", { for: "search" }, "Name or id", h("input", { type: "search", id: "search", name: "search", value: search })),
    h("button", { type: "submit" }, "Search"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go("people", { search: field(form, "search").value.trim() });
  });
  const results = h("div", { id: "people-results", "aria-live": "polite" });
  main.append(h("h1", {}, "People"), form, results);
  const list = h("ul", { class: "plain people" });
  const more = h("div");
  results.append(list, more);
  await page(list, more, search, null);
}

async function page(list, more, search, after) {
  await guarded(more, async () => {
    const result = await searchPeople(search, 20, after);
    if (!after && result.items.length === 0) {
      list.append(h("li", { class: "muted" }, "Nobody found."));
    }
    for (const p of result.items) {
      list.append(h("li", {},
        personLink(p), " ", h("span", { class: "muted" }, p.id),
        p.headline || p.company ? h("div", { class: "muted" }, [p.headline, p.company].filter(Boolean).join(" · ")) : null,
      ));
    }
    more.replaceChildren();
    if (result.nextCursor) {
      const button = h("button", { type: "button", class: "secondary", onclick: async () => {
        button.disabled = true;
        await page(list, more, search, result.nextCursor);
      } }, "More");
      more.append(button);
    }
  });
}
