"""`tiegraph report`: a `NetworkReport` as one self-contained HTML page.

Everything is inline (CSS and SVG, no script, no font or image to fetch), so the file opens
in a browser without a network connection. Pure: a report in, a string out.

Examples
--------
>>> from service.domain import Person
>>> from service.network import NetworkReport
>>> empty = NetworkReport(Person("me", "Me & co"), 0, tuple((s, 0) for s in range(1, 6)), (),
...                       0, 0, 0, (), 0, ())
>>> page = render(empty, names={})
>>> page.startswith("<!DOCTYPE html>") and "Me &amp; co" in page and "http" not in page
True
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Final

from service.network import DEFAULT_STALE_MONTHS, NetworkReport

# 1 = closest ... 5 = never met: from a deep green to a cool grey.
STRENGTH_COLOURS: Final = ("#1b7f5b", "#3fae6a", "#e0b02f", "#e07b39", "#9aa5b1")
STRENGTH_WORDS: Final = ("closest", "close", "know well", "acquainted", "never met")
GROUP_COLOURS: Final = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#5778a4", "#e49444",
)  # fmt: skip
YOURS, THEIRS = "#2f6fd6", "#d64545"
MAX_GROUPS: Final = 12
MAX_MISMATCHES: Final = 12

_CSS: Final = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       background: #f4f6f8; color: #1f2933; }
header { background: linear-gradient(120deg, #1b7f5b, #2f6fd6); color: white;
         padding: 28px 40px; }
header h1 { margin: 0 0 6px; font-size: 28px; }
header p { margin: 0; opacity: .9; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr));
       gap: 20px; padding: 24px 40px 40px; }
section { background: white; border-radius: 12px; padding: 18px 22px;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section h2 { margin: 0 0 4px; font-size: 18px; }
section p.note { margin: 0 0 12px; color: #52606d; font-size: 13px; }
.cards { grid-column: 1 / -1; display: grid; gap: 14px;
         grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); }
.card { background: white; border-radius: 12px; padding: 14px 18px;
        box-shadow: 0 1px 3px rgba(0,0,0,.08); border-top: 5px solid var(--c); }
.card b { display: block; font-size: 30px; color: var(--c); }
.card span { font-size: 13px; color: #52606d; }
svg text { font-family: inherit; }
.empty { color: #7b8794; font-style: italic; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _card(value: int, label: str, colour: str) -> str:
    return f'<div class="card" style="--c:{colour}"><b>{value:,}</b><span>{_e(label)}</span></div>'


def strengths_chart(report: NetworkReport) -> str:
    """Vertical bars, one per strength, in the strength's colour."""
    width, height, base, left = 440, 240, 200, 30
    top = max((count for _, count in report.by_strength), default=0) or 1
    bar = 60
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#cbd2d9"/>')
    for i, (strength, count) in enumerate(report.by_strength):
        x = left + 12 + i * (bar + 20)
        h = round(170 * count / top)
        colour = STRENGTH_COLOURS[strength - 1]
        parts.append(
            f'<rect x="{x}" y="{base - h}" width="{bar}" height="{h}" rx="5" fill="{colour}">'
            f"<title>{count} rated {strength} ({STRENGTH_WORDS[strength - 1]})</title></rect>"
        )
        parts.append(
            f'<text x="{x + bar / 2}" y="{base - h - 6}" text-anchor="middle" font-size="14" '
            f'font-weight="bold" fill="{colour}">{count}</text>'
        )
        parts.append(
            f'<text x="{x + bar / 2}" y="{base + 17}" text-anchor="middle" font-size="13">'
            f"{strength}</text>"
            f'<text x="{x + bar / 2}" y="{base + 32}" text-anchor="middle" font-size="10" '
            f'fill="#616e7c">{STRENGTH_WORDS[strength - 1]}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def groups_chart(report: NetworkReport) -> str:
    """Horizontal bars for the most used groups."""
    groups = report.by_group[:MAX_GROUPS]
    if not groups:
        return '<p class="empty">No groups yet: label your ratings to see them here.</p>'
    row, label_width, width = 26, 150, 440
    height = row * len(groups) + 10
    top = groups[0][1] or 1
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for i, (label, count) in enumerate(groups):
        y = 5 + i * row
        w = max(2, round((width - label_width - 50) * count / top))
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        short = label if len(label) <= 20 else label[:19] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" font-size="13">'
            f"{_e(short)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{w}" height="{row - 8}" rx="4" '
            f'fill="{colour}"><title>{_e(label)}: {count}</title></rect>'
            f'<text x="{label_width + w + 6}" y="{y + 16}" font-size="12" fill="#3e4c59">'
            f"{count}</text>"
        )
    more = len(report.by_group) - len(groups)
    parts.append("</svg>")
    if more > 0:
        parts.append(f'<p class="note">… and {more} more groups.</p>')
    return "".join(parts)


def reciprocity_chart(report: NetworkReport, names: Mapping[str, str]) -> str:
    """A donut of reciprocated ties, and a dumbbell per mismatch: your strength and theirs on
    one 1..5 scale."""
    total = report.connections
    share = report.reciprocated / total if total else 0.0
    radius, circumference = 52, 2 * 3.141592653589793 * 52
    donut = (
        '<svg viewBox="0 0 150 150" width="150" height="150" role="img">'
        f'<circle cx="75" cy="75" r="{radius}" fill="none" stroke="#e4e7eb" stroke-width="22"/>'
        f'<circle cx="75" cy="75" r="{radius}" fill="none" stroke="#1b7f5b" stroke-width="22" '
        f'stroke-dasharray="{circumference * share:.1f} {circumference:.1f}" '
        'transform="rotate(-90 75 75)"/>'
        f'<text x="75" y="80" text-anchor="middle" font-size="22" font-weight="bold" '
        f'fill="#1b7f5b">{round(share * 100)}%</text></svg>'
    )
    mismatches = report.mismatches[:MAX_MISMATCHES]
    if not mismatches:
        bells = '<p class="empty">No one sees your tie very differently from you.</p>'
    else:
        row, left, right = 28, 150, 420
        height = row * len(mismatches) + 36

        def x_of(strength: int) -> float:
            return left + (right - left) * (strength - 1) / 4

        parts = [f'<svg viewBox="0 0 440 {height}" width="440" height="{height}" role="img">']
        for s in range(1, 6):
            parts.append(
                f'<line x1="{x_of(s)}" y1="4" x2="{x_of(s)}" y2="{height - 26}" '
                f'stroke="#e4e7eb"/><text x="{x_of(s)}" y="{height - 10}" text-anchor="middle" '
                f'font-size="11" fill="#616e7c">{s}</text>'
            )
        for i, m in enumerate(mismatches):
            y = 18 + i * row
            name = names.get(m.person_id, m.person_id)
            short = name if len(name) <= 20 else name[:19] + "…"
            parts.append(
                f'<text x="{left - 12}" y="{y + 4}" text-anchor="end" font-size="13">'
                f"{_e(short)}</text>"
                f'<line x1="{x_of(m.yours)}" y1="{y}" x2="{x_of(m.theirs)}" y2="{y}" '
                'stroke="#9aa5b1" stroke-width="4" stroke-linecap="round"/>'
                f'<circle cx="{x_of(m.yours)}" cy="{y}" r="8" fill="{YOURS}">'
                f"<title>you rate them {m.yours}</title></circle>"
                f'<circle cx="{x_of(m.theirs)}" cy="{y}" r="8" fill="{THEIRS}">'
                f"<title>they rate you {m.theirs}</title></circle>"
            )
        parts.append("</svg>")
        bells = "".join(parts)
    legend = (
        f'<p class="note"><span style="color:{YOURS}">●</span> your rating &nbsp; '
        f'<span style="color:{THEIRS}">●</span> theirs of you (1 = closest)</p>'
    )
    return (
        f'<div style="display:flex;gap:18px;align-items:center">{donut}'
        f"<p>{report.reciprocated:,} of your {total:,} connections rated you back.</p></div>"
        f"{legend}{bells}"
    )


def reach_chart(report: NetworkReport) -> str:
    """Two rings: the people you rated, and around them the people one warm step beyond."""
    inner = report.connections
    outer = report.warm_reach
    biggest = max(inner + outer, 1)
    r_in = 30 + 70 * (inner / biggest) ** 0.5
    r_out = r_in + 10 + 70 * (outer / biggest) ** 0.5
    size = 2 * 150 + 20
    c = size / 2
    return (
        f'<svg viewBox="0 0 {size} {size}" width="{size}" height="{size}" role="img">'
        f'<circle cx="{c}" cy="{c}" r="{r_out:.1f}" fill="#f7c873" opacity=".85">'
        f"<title>{outer} within warm reach</title></circle>"
        f'<circle cx="{c}" cy="{c}" r="{r_in:.1f}" fill="#2f6fd6">'
        f"<title>{inner} connections</title></circle>"
        f'<text x="{c}" y="{c - 2}" text-anchor="middle" font-size="24" font-weight="bold" '
        f'fill="white">{inner:,}</text>'
        f'<text x="{c}" y="{c + 16}" text-anchor="middle" font-size="11" fill="white">'
        "you rated</text>"
        f'<text x="{c}" y="{c - r_in - 4:.1f}" text-anchor="middle" font-size="15" '
        f'font-weight="bold" fill="#8a5a00">+{outer:,} warm</text></svg>'
    )


def render(
    report: NetworkReport,
    names: Mapping[str, str],
    *,
    today: date | None = None,
    stale_months: int = DEFAULT_STALE_MONTHS,
) -> str:
    """The page. `names`: display names of the people in the mismatches, by id."""
    day = today or datetime.now(UTC).date()
    owner = report.owner
    stale = report.stale(stale_months, day)
    cards = "".join(
        [
            _card(report.connections, "connections you rated", "#2f6fd6"),
            _card(report.reciprocated, "rated you back", "#1b7f5b"),
            _card(report.warm_reach, "within warm reach", "#c98a00"),
            _card(report.never_met, "never met", "#7b8794"),
            _card(stale, f"no contact in {stale_months} months", "#e07b39"),
            _card(report.unreviewed, "imported, still to review", "#b07aa1"),
        ]
    )
    sections = [
        (
            "How strong are your ties?",
            "How many people you rated at each strength, 1 = closest, 5 = never met.",
            strengths_chart(report),
        ),
        ("Your groups", "The labels you use most.", groups_chart(report)),
        (
            "Do they see it the same way?",
            "Ties where your rating and theirs differ by two or more.",
            reciprocity_chart(report, names),
        ),
        (
            "Warm reach",
            "People you have no tie with, one close friend (strength 1-2) away from you.",
            reach_chart(report),
        ),
    ]
    body = "".join(
        f'<section><h2>{_e(title)}</h2><p class="note">{_e(note)}</p>{chart}</section>'
        for title, note, chart in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>The value of {_e(owner.name)}'s network</title><style>{_CSS}</style></head>"
        f"<body><header><h1>The value of {_e(owner.name)}'s network</h1>"
        f"<p>Beyond its size: {report.connections:,} people, as of {day.isoformat()}.</p>"
        f'</header><main><div class="cards">{cards}</div>{body}</main></body></html>\n'
    )
