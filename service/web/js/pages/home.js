// Who am I: paste a token (kept in sessionStorage) and/or choose "me", the person id used as
// `from`/`owner`. In --dev the service has no authentication: choosing "me" is enough.
import { h, field, personInput, guarded, personLabel } from "../dom.js";
import { claims, me, setSession, token } from "../session.js";
import { suggest } from "../queries.js";
import { gql } from "../api.js";

export async function render(main) {
  const status = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "stack card", id: "session-form" },
    h("label", { for: "token" }, "Token (outside --dev; from `tiegraph token --sub <id>`)",
      h("textarea", { id: "token", name: "token", rows: 3, spellcheck: "false", autocomplete: "off" }, token())),
    personInput({ id: "me", label: "Me (your person id)", value: sessionStorage.getItem("tiegraph.me") || "", search: suggest }),
    h("p", { class: "muted" }, "With a token, “me” defaults to the token’s subject; in --dev there is no token and “me” is required."),
    h("div", { class: "row" },
      h("button", { type: "submit", id: "session-save" }, "Use this"),
      h("button", { type: "button", class: "secondary", id: "session-forget", onclick: () => {
        setSession("", "");
        field(form, "token").value = "";
        field(form, "me").value = "";
        status.replaceChildren(h("div", { class: "success", role: "status" }, "Forgotten."));
      } }, "Forget"),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setSession(field(form, "token").value.trim(), field(form, "me").value.trim());
    await showMe(status);
  });
  main.append(
    h("h1", {}, "tiegraph"),
    h("p", {}, "How well people know each other, and who can introduce you to whom. ",
      "Find people, rate how well you know them, ask for warm introductions, answer connection requests."),
    form,
    status,
  );
  if (me()) await showMe(status);
}

async function showMe(status) {
  const id = me();
  if (!id) {
    status.replaceChildren(h("div", { class: "notice", role: "status" }, "No “me” chosen yet."));
    return;
  }
  await guarded(status, async () => {
    const data = await gql("query Me($id: ID!) { person(id: $id) { id name headline } }", { id });
    const role = claims().role;
    status.replaceChildren(data.person
      ? h("div", { class: "success", role: "status" }, `You are ${personLabel(data.person)}`, role ? ` (${role})` : "", ". ",
          h("a", { href: "#/introduce" }, "Find a warm introduction"), " or ", h("a", { href: `#/person?id=${encodeURIComponent(id)}` }, "see your ratings"), ".")
      : h("div", { class: "notice", role: "status" }, `No person with id “${id}” yet.`));
  });
}
