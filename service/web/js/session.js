// Who is using the page: a bearer token (pasted; kept in sessionStorage, so it is gone when the
// browser session ends) and "me", the person id used as `from`/`owner` in every call.
const TOKEN = "tiegraph.token";
const ME = "tiegraph.me";

export function token() {
  return sessionStorage.getItem(TOKEN) || "";
}

export function me() {
  return sessionStorage.getItem(ME) || claims().sub || "";
}

export function setSession(newToken, newMe) {
  if (newToken) sessionStorage.setItem(TOKEN, newToken);
  else sessionStorage.removeItem(TOKEN);
  if (newMe) sessionStorage.setItem(ME, newMe);
  else sessionStorage.removeItem(ME);
  window.dispatchEvent(new Event("tiegraph:session"));
}

/** The token's claims as the page reads them (unverified: the server checks the signature). */
export function claims() {
  const t = token();
  const parts = t.split(".");
  if (parts.length !== 3) return {};
  try {
    const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/"));
    const value = JSON.parse(json);
    return typeof value === "object" && value !== null ? value : {};
  } catch {
    return {};
  }
}
