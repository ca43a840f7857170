// A warm path drawn as a small graph: people as nodes left to right, each step an edge whose
// width and colour follow its strength (1 = thickest) and whose label is the strength number.
import { STRENGTH_WORDS, s } from "./dom.js";

const COLOURS = { 1: "#15803d", 2: "#65a30d", 3: "#ca8a04", 4: "#ea580c", 5: "#94a3b8" };
const WIDTHS = { 1: 8, 2: 6, 3: 4, 4: 2.5, 5: 1.5 };
const GAP = 150;
const R = 22;

function short(text, max) {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

/** @param {{people: {id: string, name: string}[], steps: {from: {id}, to: {id}, strength: number, ratedBy: {id}}[]}} path */
export function pathGraph(path, { title } = {}) {
  const n = path.people.length;
  // One scale for every path (room for 4 hops), so that paths of different lengths line up.
  const width = GAP * Math.max(4, n - 1) + 2 * 70;
  const height = 120;
  const y = 48;
  const x = (i) => 70 + i * GAP;
  const names = Object.fromEntries(path.people.map((p) => [p.id, p.name || p.id]));
  const svg = s("svg", {
    class: "path", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": title || path.people.map((p) => p.name || p.id).join(" → "),
  });
  path.steps.forEach((step, i) => {
    const colour = COLOURS[step.strength] || "#64748b";
    const mid = (x(i) + x(i + 1)) / 2;
    const edge = s("g", { class: "edge", "data-from": step.from.id, "data-to": step.to.id, "data-strength": step.strength },
      s("title", {}, `${names[step.from.id]} – ${names[step.to.id]}: ${step.strength} (${STRENGTH_WORDS[step.strength]}), ${names[step.ratedBy.id] || step.ratedBy.id}'s rating`),
      s("line", { x1: x(i) + R, y1: y, x2: x(i + 1) - R, y2: y, stroke: colour, "stroke-width": WIDTHS[step.strength] || 2, "stroke-linecap": "round" }),
      s("circle", { cx: mid, cy: y - 20, r: 11, fill: "#fff", stroke: colour, "stroke-width": 2 }),
      s("text", { x: mid, y: y - 16, "text-anchor": "middle", "font-size": 13, "font-weight": 700, fill: "#0f172a", class: "strength" }, step.strength),
    );
    svg.append(edge);
  });
  path.people.forEach((person, i) => {
    const end = i === 0 || i === n - 1;
    svg.append(s("g", { class: "node", "data-person": person.id },
      s("title", {}, `${person.name || person.id} (${person.id})`),
      s("circle", { cx: x(i), cy: y, r: R, fill: end ? "#1d4ed8" : "#e0e7ff", stroke: "#1e3a8a", "stroke-width": 2 }),
      s("text", { x: x(i), y: y + 5, "text-anchor": "middle", "font-size": 14, "font-weight": 700, fill: end ? "#fff" : "#1e3a8a" }, (person.name || person.id).slice(0, 1).toUpperCase()),
      s("text", { x: x(i), y: y + R + 22, "text-anchor": "middle", "font-size": 14, fill: "#0f172a", class: "name" }, short(person.name || person.id, 18)),
    ));
  });
  return svg;
}
