"""The real service (uvicorn, in its own process) and the real Chromium (selenium + Debian's
chromedriver) for the web tests: start, seed, open pages, and check what a page did."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.chromium import CHROMEDRIVER, CHROMIUM, HEADLESS_FLAGS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".artifacts" / "web"
WAIT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """`tiegraph serve` on 127.0.0.1:port, embedded store in data_dir."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path
    token: str | None = None

    def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.post(query, variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


@contextmanager
def serving(data_dir: Path, *, dev: bool, secret: str | None = None) -> Iterator[Server]:
    """The service as an operator starts it (`python -m service serve`), until the block ends."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEGRAPH_")}
    env["TIEGRAPH_STORE"] = "embedded"
    if secret is not None:
        env["TIEGRAPH_JWT_SECRET"] = secret
    command = [sys.executable, "-m", "service", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--data-dir", str(data_dir)]
    if dev:
        command.append("--dev")
    log = data_dir.parent / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"service did not start:\n{log.read_text()}"
            time.sleep(0.2)
        yield Server(base, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def mint(secret: str, sub: str, role: str = "user") -> str:
    """A token made the way an operator makes one: `tiegraph token`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEGRAPH_")}
    env["TIEGRAPH_JWT_SECRET"] = secret
    out = subprocess.run(
        [sys.executable, "-m", "service", "token", "--sub", sub, "--role", role, "--ttl", "1h"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def chromium() -> WebDriver:
    """Headless Chromium that can reach 127.0.0.1 and nothing else, logging every request."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        *HEADLESS_FLAGS,
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        # Any host name but 127.0.0.1 fails to resolve: a CDN request fails loudly (and the
        # performance log below still records that it was attempted).
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


@dataclass
class Page:
    """One browser on one server: open pages, wait for them, and check what they did."""

    driver: WebDriver
    server: Server
    seen: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        self.drain()
        self.driver.get(self.server.base + path)
        if "#" in path:
            # A URL that differs only in its fragment does not load the page again.
            self.driver.refresh()

    def wait(self, script: str, timeout: float = WAIT) -> Any:
        """Wait until the JavaScript expression `script` is truthy; returns its value."""
        return WebDriverWait(self.driver, timeout).until(
            lambda d: d.execute_script(f"return ({script});"),
            message=f"waited for: {script}",
        )

    def ready_marker(self) -> str:
        value: str = self.driver.execute_script(
            "const m = document.getElementById('main'); return m ? (m.dataset.ready || '') : '';"
        )
        return value

    def wait_ready(self, page: str, previous: str = "") -> None:
        """Wait until the web app rendered `page` (a render later than `previous`)."""
        self.wait(
            "(() => { const m = document.getElementById('main');"
            f" return m && m.dataset.page === {json.dumps(page)} && !m.hasAttribute('aria-busy')"
            " && (m.dataset.ready || '') !== ''"
            f" && m.dataset.ready !== {json.dumps(previous)}; }})()"
        )

    def css(self, selector: str) -> WebElement:
        return self.driver.find_element("css selector", selector)

    def all(self, selector: str) -> list[WebElement]:
        return self.driver.find_elements("css selector", selector)

    def drain(self) -> None:
        """Read (and so empty) the browser's logs, keeping the URLs requested."""
        self.seen.extend(self.requests())
        self.driver.get_log("browser")

    def requests(self) -> list[str]:
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def assert_clean(self, allow_console: tuple[str, ...] = ()) -> list[str]:
        """No console error and no request leaving this server since the last open/drain."""
        urls = self.requests()
        self.seen.extend(urls)
        outside = [u for u in urls if not _local(u, self.server.base)]
        assert not outside, f"requests left 127.0.0.1: {outside}"
        errors = [
            e["message"]
            for e in self.driver.get_log("browser")
            if e["level"] == "SEVERE" and not any(a in e["message"] for a in allow_console)
        ]
        assert not errors, f"console errors: {errors}"
        return urls

    def screenshot(self, name: str) -> Path:
        """Save a screenshot under .artifacts/web/ and check that it is not blank."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        # The whole page, not only the window (Chrome DevTools: capture beyond the viewport).
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})  # type: ignore[attr-defined]
        size = metrics["cssContentSize"]
        # Capturing beyond the viewport drops the scrollbar, so the page lays out that wider.
        width = max(size["width"], self.driver.execute_script("return window.innerWidth"))
        shot = self.driver.execute_cdp_cmd(  # type: ignore[attr-defined]
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": width,
                    "height": size["height"],
                    "scale": 1,
                },
            },
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        assert_not_blank(path)
        return path


def _local(url: str, base: str) -> bool:
    return url.startswith(base + "/") or url == base or url.split(":", 1)[0] in ("data", "blob")


def assert_not_blank(path: Path, at_least: int = 24) -> None:
    """A page that rendered has text, lines and colours: many distinct colours, no one colour
    covering almost everything."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 24) or []
        total = rgb.width * rgb.height
    assert len(colours) >= at_least, f"{path}: only {len(colours)} distinct colours"
    top = max(count for count, _ in colours)
    assert top < 0.985 * total, f"{path}: one colour covers {top / total:.1%} of it"
