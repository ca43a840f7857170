"""Debian's Chromium as the browser tests start it: headless, and quiet on this machine's
closed network (without the background-networking flags it keeps trying Google's hosts)."""

from __future__ import annotations

from typing import Final

CHROMIUM: Final = "/usr/bin/chromium"
CHROMEDRIVER: Final = "/usr/bin/chromedriver"
HEADLESS_FLAGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
