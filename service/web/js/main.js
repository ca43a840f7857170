// The web app's router: "#/page?key=value" picks a page module and hands it the parameters.
import { errorBox } from "./dom.js";
import { me, claims, token } from "./session.js";
import * as home from "./pages/home.js";
import * as people from "./pages/people.js";
import * as person from "./pages/person.js";
import * as introduce from "./pages/introduce.js";
import * as rate from "./pages/rate.js";
import * as review from "./pages/review.js";
import * as inbox from "./pages/inbox.js";
import * as report from "./pages/report.js";

const PAGES = { "": home, people, person, introduce, rate, review, inbox, report };
const NAV = { person: "people" };

function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, "");
  const [name, query = ""] = raw.split("?");
  return { name, params: new URLSearchParams(query) };
}

function showWho() {
  const who = document.getElementById("who");
  const id = me();
  const role = claims().role;
  who.textContent = id
    ? `me: ${id}${token() ? ` (token${role ? ", " + role : ""})` : " (no token)"}`
    : "no “me” chosen";
}

let generation = 0;

async function route() {
  const { name, params } = parseHash();
  const page = PAGES[name] || home;
  const main = document.getElementById("main");
  const mine = ++generation;
  for (const link of document.querySelectorAll("nav a[data-page]")) {
    if (link.dataset.page === (NAV[name] || name)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  showWho();
  main.replaceChildren();
  main.setAttribute("aria-busy", "true");
  try {
    await page.render(main, params, () => mine === generation);
  } catch (e) {
    main.append(errorBox(e));
  } finally {
    if (mine === generation) {
      main.removeAttribute("aria-busy");
      main.dataset.page = name || "home";
      main.dataset.ready = String(mine);
    }
  }
  if (document.activeElement === document.body || !main.contains(document.activeElement)) {
    const heading = main.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }
}

window.addEventListener("hashchange", route);
window.addEventListener("tiegraph:route", route);
window.addEventListener("tiegraph:session", showWho);
route();
