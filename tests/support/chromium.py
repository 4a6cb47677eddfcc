"""A page as headless Chromium renders it (Debian's chromium-headless-shell), read over the DevTools protocol on
a pipe (--remote-debugging-pipe: JSON messages ended by NUL on fds 3 and 4), so no client library and no port.

    page = render_page(Path("index.html"))
    page.images   # [(src, naturalWidth, naturalHeight)] once the load event fired: 0 = did not load
    page.tables   # every <table> as rows of cell texts
    page.text     # all the text, folded <details> included
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness.processes import ChildProcess, stop_all

BINARIES = ("chromium-headless-shell", "chromium", "chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--remote-debugging-pipe"]
LOAD_TIMEOUT_SECONDS = 60.0

# What the test reads of the page, computed by the page's own DOM after the load event.
_READ_PAGE = """JSON.stringify({
  title: document.title,
  images: Array.from(document.images).map(i => [i.getAttribute('src').slice(0, 80), i.naturalWidth,
                                                i.naturalHeight, i.complete]),
  tables: Array.from(document.querySelectorAll('table')).map(t => Array.from(t.rows).map(
    r => Array.from(r.cells).map(c => c.innerText.trim()))),
  text: document.body.textContent
})"""


def chromium_binary() -> str | None:
    return next((found for name in BINARIES if (found := shutil.which(name))), None)


@dataclass(frozen=True)
class Page:
    title: str
    images: list[tuple[str, int, int, bool]]
    tables: list[list[list[str]]]
    text: str


class _Pipe:
    """One DevTools connection: send a command, read messages until its answer, keeping events."""

    def __init__(self, to_browser, from_browser, deadline: float):
        self.to_browser, self.from_browser, self.deadline = to_browser, from_browser, deadline
        self.buffer = b""
        self.events: list[dict] = []
        self.next_id = 0

    def _message(self) -> dict:
        while b"\0" not in self.buffer:
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"Chromium did not answer within {LOAD_TIMEOUT_SECONDS:g} s")
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise ConnectionError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._message()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_event(self, method: str, session: str) -> dict:
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self.events.remove(event)
                    return event
            self.events.append(self._message())


def render_page(path: Path, timeout: float = LOAD_TIMEOUT_SECONDS) -> Page:
    """Open `path` in a fresh headless Chromium (its own profile folder), wait for the load event, read the page."""
    binary = chromium_binary()
    if binary is None:
        raise FileNotFoundError("no headless Chromium: `make install` installs Debian's chromium-headless-shell")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # The protocol's fds: Chromium reads commands on 3 and writes answers on 4.
        popen = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 pass_fds=(3, 4), start_new_session=True,
                                 preexec_fn=lambda: (os.dup2(to_browser_r, 3), os.dup2(from_browser_w, 4)))
        os.close(to_browser_r)
        os.close(from_browser_w)
        browser = ChildProcess("chromium", popen, stop_grace=5.0, group=True)
        try:
            pipe = _Pipe(to_browser_w, from_browser_r, time.monotonic() + timeout)
            target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
            session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            pipe.call("Page.enable", session)
            pipe.call("Page.navigate", session, url=Path(path).resolve().as_uri())
            pipe.wait_event("Page.loadEventFired", session)
            result = pipe.call("Runtime.evaluate", session, expression=_READ_PAGE, returnByValue=True)
            data = json.loads(result["result"]["value"])
        finally:
            os.close(to_browser_w)
            os.close(from_browser_r)
            stop_all([browser])
    return Page(data["title"], [tuple(i) for i in data["images"]], data["tables"], data["text"])
