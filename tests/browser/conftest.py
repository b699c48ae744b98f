"""Browser tests on the real local stack: `python -m cli up` (as `make run` does) on free ports with a
temporary var/ and the demo portfolio, people made with `python -m cli users create`, and headless Chromium
(Debian's `chromium`, driven by playwright through its executable path; never `playwright install`).

- One stack and one browser for the whole session (they take ~30 s to start); each test gets fresh browser
  contexts (their own cookies) through `tabs`.
- A `Tab` fails its test on any console error, page error, failed request or response >= 400 that the test did
  not say it expects, and on any page it visited without a screenshot: every page is kept as a full-page PNG
  under test-artifacts/screenshots/<test>/<n>-<name>.png (not in git; CI keeps the folder), and the stack's
  output and logs under test-artifacts/stack/ when the session ends.
- Without Chromium these tests skip on a laptop, saying why; with CI=true they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from settings import ROOT
from tests.conftest import unavailable
from tests.infra.test_stack import PYTHON, UpPorts, recovery_up

CHROMIUM = os.environ.get("RECOVERY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"]
ARTIFACTS = Path(os.environ.get("RECOVERY_TEST_ARTIFACTS", ROOT / "test-artifacts"))
HARBOUR = "firm-demo-harbour"  # one of the demo portfolio's law firms: its partner is the test's
UP_BANNER = "The recovery stack is up"
DEMO = ROOT / "infra" / "demo_portfolio.json"


@dataclass
class Person:
    """A person the tests log in as; `password` becomes their own once they replaced the one-time one."""

    username: str
    password: str


@dataclass
class Live:
    """The running stack: its URLs, its people, and a manager's API key for what a test sets up."""

    base: str
    ui: str
    var_dir: Path
    env: dict[str, str]
    people: dict[str, Person]
    key: str

    def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        with httpx.Client(base_url=self.base, timeout=60,
                          headers={"Authorization": f"Bearer {self.key}"}) as client:
            return client.request(method, path, **kw)

    def matters(self, **params: Any) -> list[dict[str, Any]]:
        r = self.api("GET", "/matters", params={"limit": 200, **params})
        assert r.status_code == 200, r.text
        return list(r.json()["data"])

    def matter(self, ref: str) -> dict[str, Any]:
        found = [m for m in self.matters() if m.get("external_ref") == ref]
        assert found, f"no matter {ref} on the stack"
        return found[0]

    def open_matter(self, ref: str, policy: str = "standard") -> dict[str, Any]:
        """A matter of the test's own (a copy of the demo's first borrower): no scripted event touches it. On the
        standard policy (days of real time) it stays in its first stages while a test runs."""
        intake = json.loads(DEMO.read_text(encoding="utf-8"))["matters"][0]
        r = self.api("POST", "/matters", json={**intake, "external_ref": ref, "policy": policy})
        assert r.status_code == 201, r.text
        return eventually(lambda: next((m for m in self.matters() if m.get("external_ref") == ref), None),
                          f"{ref} listed", timeout=60, every=0.5)

    def cli(self, *args: str) -> str:
        done = subprocess.run([PYTHON, "-m", "cli", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, f"cli {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout


def eventually(check: Callable[[], Any], what: str, timeout: float = 120, every: float = 1.0) -> Any:
    """`check()`'s first truthy answer, retried until `timeout` seconds (the demo plays on in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f}s: {what}")
        time.sleep(every)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keeps the test's outcome on the item, so `tabs` screenshots every page as it was when a test failed."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)")
    var_dir, ports = tmp_path_factory.mktemp("browser-stack") / "var", UpPorts.pick()
    with recovery_up(var_dir, ports, timeout=120) as running:
        try:
            eventually(lambda: UP_BANNER in running.output() or running.process.poll() is not None,
                       "the launcher's banner", timeout=180, every=0.25)
            output = running.output()
            assert UP_BANNER in output, output
            first = re.search(r"first manager '(\w+)', one-time password (\S+) \(shown only now\)", output)
            assert first, f"no first manager's one-time password in the launcher's output:\n{output}"
            live = Live(base=f"http://127.0.0.1:{ports.api}", ui=f"http://127.0.0.1:{ports.ui}", var_dir=var_dir,
                        env=ports.env(var_dir), people={"manager": Person(first.group(1), first.group(2))},
                        key="")
            for role, name, extra in (("legal_team", "team", ()), ("partner", "partner", ("--firm", HARBOUR))):
                said = live.cli("users", "create", "--username", name, "--name", f"Browser {name}", "--role", role,
                                "--language", "en", *extra)
                live.people[role] = Person(name, said.strip().splitlines()[-1])
            said = live.cli("keys", "create", "--role", "manager", "--name", "browser-tests")
            live.key = said.strip().splitlines()[-1]
            yield live
        finally:
            keep = ARTIFACTS / "stack"
            shutil.rmtree(keep, ignore_errors=True)
            keep.mkdir(parents=True, exist_ok=True)
            (keep / "up.out").write_text(running.output(), encoding="utf-8")
            if (var_dir / "logs").is_dir():
                shutil.copytree(var_dir / "logs", keep / "logs", dirs_exist_ok=True)


@pytest.fixture(scope="session")
def chromium(live: Live) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    """One person's browser (a context of its own: its own cookies) and its page, watched for trouble."""

    page: Any
    shots: Path
    counter: list[int]
    problems: list[str] = field(default_factory=list)
    allowed: list[tuple[int, str]] = field(default_factory=list)  # (status, URL part) a test expects
    loads: list[list[Any]] = field(default_factory=list)  # [URL, screenshotted] of each document loaded

    def watch(self) -> None:
        page = self.page
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error on {page.url}: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("load", self._loaded)

    def allow(self, status: int, url_part: str) -> None:
        """A response the test expects (e.g. the 404 page of another firm's matter)."""
        self.allowed.append((status, url_part))

    def disallow(self, status: int, url_part: str) -> None:
        self.allowed.remove((status, url_part))

    def _expected(self, status: int, url: str) -> bool:
        return any(status == s and part in url for s, part in self.allowed)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        status = re.search(r"status of (\d{3})", message.text)
        if status and self._expected(int(status.group(1)), url):
            return  # Chromium's own line for a response the test expects
        if message.text.startswith("Failed to load resource: net::") and self._expected(0, url):
            return  # ... or for a request the test expects to fail
        self.problems.append(f"console error on {self.page.url}: {message.text} ({url})")

    def _failed(self, request: Any) -> None:
        if self._expected(0, request.url):
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and not self._expected(response.status, response.url):
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def _loaded(self, page: Any) -> None:
        """A document loaded: a page visited (reloading the same one, as a test waits on it, is not another)."""
        if not (self.loads and self.loads[-1][0] == page.url):
            self.loads.append([page.url, False])

    def shot(self, name: str) -> Path:
        """A full-page screenshot of where the page is now."""
        self.page.wait_for_load_state()
        self.counter[0] += 1
        path = self.shots / f"{self.counter[0]:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if self.loads:
            self.loads[-1][1] = True
        return path

    def goto(self, url: str, name: str, status: int = 200) -> Any:
        """Open `url` (expecting `status`) and screenshot it."""
        if status >= 400:
            self.allow(status, url)
        response = self.page.goto(url)
        assert response is not None and response.status == status, (url, response and response.status)
        self.shot(name)
        return response

    def check(self, failed: bool = False) -> None:
        assert self.problems == [], "\n".join(self.problems)
        missed = [url for url, shot in self.loads if not shot and not failed]
        assert missed == [], f"pages visited without a screenshot: {missed}"


@pytest.fixture
def tabs(chromium: Any, live: Live, request: pytest.FixtureRequest) -> Iterator[Callable[[], Tab]]:
    """`tabs()` opens a fresh browser for one person; all of them are checked when the test ends."""
    shots = ARTIFACTS / "screenshots" / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    opened: list[tuple[Any, Tab]] = []
    counter = [0]

    def open_tab() -> Tab:
        context = chromium.new_context(base_url=live.base, viewport={"width": 1280, "height": 800},
                                       locale="en-GB", accept_downloads=True)
        context.set_default_timeout(30_000)
        tab = Tab(context.new_page(), shots, counter)
        tab.watch()
        opened.append((context, tab))
        return tab

    try:
        yield open_tab
        report = getattr(request.node, "rep_call", None)
        failed = report is not None and report.failed
        for _, tab in opened:
            if failed:
                tab.shot("at-failure")
            tab.check(failed)
    finally:
        for context, _ in opened:
            context.close()
