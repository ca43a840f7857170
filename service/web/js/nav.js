// Navigate to "#/name?key=value" (forms use it, so that every result has a URL to bookmark).
export function go(name, values = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const query = params.toString();
  const hash = `#/${name}${query ? "?" + query : ""}`;
  if (window.location.hash === hash) window.dispatchEvent(new Event("tiegraph:route"));
  else window.location.hash = hash;
}
