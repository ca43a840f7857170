// The request inbox (API.md v2): pending connection requests with the owner's triage (which of
// the four rules fired, why, and a draft reply), answered with accept (a rating) or decline.
import { add, h, field, guarded, needMe, personLink, strengthText, VISIBILITIES } from "../dom.js";
import { gql } from "../api.js";
import { go } from "../nav.js";
import { me } from "../session.js";

const REQUEST = `id from { id name headline company location } message sentAt status respondedAt
  triage { action rule reasons sharedConnections invitations draft }`;

const QUERY = `query Inbox($owner: ID, $status: RequestStatus, $after: String) {
  connectionRequests(owner: $owner, status: $status, first: 20, after: $after) { items { ${REQUEST} } nextCursor }
}`;

const RESPOND = `mutation Respond($input: RequestResponseInput!) { respondToRequest(input: $input) { ${REQUEST} } }`;

const ACTIONS = {
  ACCEPT_AND_THANK: "Accept and thank them",
  ACCEPT: "Accept",
  REPLY: "Reply before connecting",
  DECLINE: "Decline without a reply",
};

export async function render(main, params) {
  const owner = me();
  const status = params.get("status") || "PENDING";
  main.append(h("h1", {}, "Connection requests"));
  if (needMe(main, owner, "see your requests")) return;
  const filter = h("form", { class: "row card", id: "inbox-filter" },
    h("label", { for: "status" }, "Show",
      h("select", { id: "status", name: "status" },
        ["PENDING", "ACCEPTED", "DECLINED"].map((s) => h("option", { value: s, selected: s === status }, s.toLowerCase())))),
    h("button", { type: "submit" }, "Show"));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    go("inbox", { status: field(filter, "status").value });
  });
  const list = h("ul", { class: "plain", id: "requests" });
  const more = h("div", { "aria-live": "polite" });
  main.append(filter, list, more);
  await page(owner, status, list, more, null);
}

async function page(owner, status, list, more, after) {
  await guarded(more, async () => {
    const data = await gql(QUERY, { owner, status, after });
    const result = data.connectionRequests;
    if (!after && result.items.length === 0) {
      list.append(h("li", { class: "muted", id: "no-requests" }, "No requests."));
    }
    for (const r of result.items) list.append(card(r));
    more.replaceChildren();
    if (result.nextCursor) {
      const button = h("button", { type: "button", class: "secondary", onclick: async () => {
        button.disabled = true;
        await page(owner, status, list, more, result.nextCursor);
      } }, "More");
      more.append(button);
    }
  });
}

function card(r) {
  const t = r.triage;
  const li = h("li", { class: "card", "data-request": r.id, "data-from": r.from.id, "data-action": t.action, "data-rule": t.rule });
  const status = h("div", { "aria-live": "polite" });
  add(li,
    h("h2", {}, personLink(r.from), h("span", { class: "muted" }, ` · ${new Date(r.sentAt).toLocaleString()}`)),
    [r.from.headline, r.from.company, r.from.location].some(Boolean)
      ? h("p", { class: "muted" }, [r.from.headline, r.from.company, r.from.location].filter(Boolean).join(" · ")) : null,
    h("p", {}, r.message ? `“${r.message}”` : h("span", { class: "muted" }, "(no message)")),
    h("p", {}, h("strong", { class: "triage-action" }, ACTIONS[t.action] || t.action),
      h("span", { class: "muted" }, ` (rule ${t.rule}; ${t.sharedConnections} shared connection${t.sharedConnections === 1 ? "" : "s"}${t.invitations.length ? "; invite to " + t.invitations.map((i) => i.toLowerCase()).join(" and ") : ""})`)),
    h("ul", { class: "reasons" }, t.reasons.map((reason) => h("li", {}, reason))),
    t.draft ? [h("h3", {}, "Draft reply"), h("p", { class: "draft" }, t.draft)] : null,
  );
  if (r.status !== "PENDING") {
    li.append(h("p", { class: "muted" }, `${r.status.toLowerCase()}${r.respondedAt ? " on " + new Date(r.respondedAt).toLocaleString() : ""}`));
    return li;
  }
  const sid = `accept-strength-${r.id}`;
  const vid = `accept-visibility-${r.id}`;
  const gid = `accept-groups-${r.id}`;
  const form = h("form", { class: "row" },
    h("label", { for: sid }, "Strength",
      h("select", { id: sid, name: "strength" }, h("option", { value: "" }, "(keep my rating)"),
        [1, 2, 3, 4, 5].map((n) => h("option", { value: n, selected: n === 4 && t.rule !== "KNOWN" }, strengthText(n))))),
    h("label", { for: gid }, "Groups (commas)", h("input", { type: "text", id: gid, name: "groups", value: t.rule === "RECRUITER" ? "Recruiters" : "" })),
    h("label", { for: vid }, "Visibility",
      h("select", { id: vid, name: "visibility" }, Object.entries(VISIBILITIES).map(([v, words]) => h("option", { value: v }, words)))),
    h("button", { type: "submit", "data-accept": r.id }, "Accept"),
    h("button", { type: "button", class: "danger", "data-decline": r.id, onclick: () => respond(false) }, "Decline"),
  );
  async function respond(accept) {
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    const input = { id: r.id, accept };
    if (accept) {
      const strength = field(form, "strength").value;
      if (strength) input.strength = Number(strength);
      const groups = field(form, "groups").value.split(",").map((g) => g.trim()).filter(Boolean);
      if (groups.length) input.groups = groups;
      input.visibility = field(form, "visibility").value;
    }
    const ok = await guarded(status, async () => {
      const data = await gql(RESPOND, { input });
      const answered = data.respondToRequest;
      li.dataset.status = answered.status;
      form.remove();
      status.replaceChildren(h("div", { class: "success", role: "status" }, `${answered.status.toLowerCase()}.`));
      return true;
    });
    if (!ok) buttons.forEach((b) => { b.disabled = false; });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    respond(true);
  });
  li.append(form, status);
  return li;
}
