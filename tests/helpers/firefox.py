"""Firefox driven over WebDriver BiDi, the protocol Firefox speaks itself: started with
`--remote-debugging-port`, it takes commands on ws://127.0.0.1:PORT/session with no geckodriver.

    with Firefox.start() as firefox:
        page = firefox.open(path)            # file://, every request and console error remembered
        page.evaluate("document.title")
        page.keys("#lr", [ARROW_RIGHT] * 3)  # real key presses, as a user gives them (#cell: ARROW_DOWN)
        page.click(x, y)                     # a real mouse click at page coordinates
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ARROW_RIGHT, ARROW_DOWN = "\ue014", "\ue015"


def executable() -> str | None:
    return shutil.which("firefox-esr") or shutil.which("firefox")


class BidiError(RuntimeError):
    pass


class Firefox:
    def __init__(self, process: subprocess.Popen, socket, profile: tempfile.TemporaryDirectory) -> None:
        self.process, self.socket, self.profile = process, socket, profile
        self.next_id = 0
        self.events: list[dict] = []
        self.subscribed = False

    @classmethod
    def start(cls, timeout: float = 60.0) -> "Firefox":
        from websockets.sync.client import connect

        profile = tempfile.TemporaryDirectory(prefix="guessgame-firefox-")
        process = subprocess.Popen([executable(), "--headless", "--no-remote", "--profile", profile.name,
                                    "--remote-debugging-port", "0", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "MOZ_CRASHREPORTER_DISABLE": "1"})
        port, seen, deadline = None, [], time.monotonic() + timeout
        while port is None and time.monotonic() < deadline:  # Firefox says where it listens on stderr
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            seen.append(line)
            found = re.search(r"WebDriver BiDi listening on ws://[\w.\[\]:]+?:(\d+)", line)
            port = int(found.group(1)) if found else None
        if port is None:
            process.kill()
            process.wait()
            process.stderr.close()
            raise BidiError("Firefox did not open its WebDriver BiDi port:\n" + "".join(seen[-20:]))
        # Firefox goes on writing to stderr: read it all, so that it never waits on a full pipe.
        reader = threading.Thread(target=lambda: seen.extend(process.stderr), daemon=True)
        reader.start()
        stack = contextlib.ExitStack()
        firefox = cls(process, stack.enter_context(connect(f"ws://127.0.0.1:{port}/session", max_size=None)), profile)
        firefox.stack, firefox.reader = stack, reader
        firefox.send("session.new", {"capabilities": {}})
        return firefox

    def send(self, method: str, params: dict) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("type") == "event":
                self.events.append(message)
            elif message.get("id") == self.next_id:
                if message.get("type") == "error":
                    raise BidiError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    def open(self, path: Path) -> "Page":
        if not self.subscribed:
            self.send("session.subscribe", {"events": ["log.entryAdded", "network.beforeRequestSent"]})
            self.subscribed = True
        context = self.send("browsingContext.create", {"type": "tab"})["context"]
        self.send("browsingContext.setViewport", {"context": context, "viewport": {"width": 1400, "height": 1000}})
        self.send("browsingContext.navigate", {"context": context, "url": path.as_uri(), "wait": "complete"})
        return Page(self, context)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the socket closes as the browser goes
            self.send("browser.close", {})
        with contextlib.suppress(Exception):
            self.stack.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=10)  # it ends at the end of the stream, once Firefox has gone
        self.process.stderr.close()
        self.profile.cleanup()

    def __enter__(self) -> "Firefox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Page:
    def __init__(self, firefox: Firefox, context: str) -> None:
        self.firefox, self.context = firefox, context

    def evaluate(self, expression: str):
        """The value of a JavaScript expression (awaited if a promise), as JSON."""
        result = self.firefox.send("script.evaluate", {
            "expression": f"(async () => JSON.stringify(await ({expression})))()", "awaitPromise": True,
            "target": {"context": self.context}, "resultOwnership": "none"})
        if result.get("type") == "exception":
            raise BidiError(result["exceptionDetails"]["text"])
        value = result["result"].get("value")
        return None if value is None else json.loads(value)

    def wait_for(self, expression: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(expression)
            time.sleep(0.05)

    def keys(self, selector: str, keys: list[str]) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        actions = [step for key in keys
                   for step in ({"type": "keyDown", "value": key}, {"type": "keyUp", "value": key})]
        self.firefox.send("input.performActions", {"context": self.context, "actions": [
            {"type": "key", "id": "keyboard", "actions": actions}]})

    def click(self, x: float, y: float) -> None:
        self.firefox.send("input.performActions", {"context": self.context, "actions": [
            {"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": [
                {"type": "pointerMove", "x": round(x), "y": round(y)},
                {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}]}]})

    def click_on(self, selector: str) -> None:
        box = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                            "e.scrollIntoView({block: 'center'}); const b = e.getBoundingClientRect(); "
                            "return {x: b.x + b.width / 2, y: b.y + b.height / 2}; })()")
        self.click(box["x"], box["y"])

    def _events(self, method: str) -> list[dict]:
        self.evaluate("true")  # a round trip: every event sent before it has arrived
        return [e["params"] for e in self.firefox.events if e["method"] == method
                and (e["params"].get("context") or e["params"].get("source", {}).get("context")) == self.context]

    def requests(self) -> list[str]:
        """Every URL the page asked for."""
        return [params["request"]["url"] for params in self._events("network.beforeRequestSent")]

    def errors(self) -> list[str]:
        """Console errors and uncaught exceptions."""
        return [params.get("text", "") for params in self._events("log.entryAdded") if params.get("level") == "error"]

    def close(self) -> None:
        self.firefox.send("browsingContext.close", {"context": self.context})
