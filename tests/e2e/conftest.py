"""Browser tests of the web map: Debian's Chromium driven by Playwright against a live Django server.

The server is Django's own ``LiveServerThread`` (what pytest-django's
``live_server`` runs) started once for this package. pytest-django's fixture
is not used because it forces ``transactional_db``, whose flush after every
test would empty the sample district the session loaded for every other test.
The tests only read, so plain ``django_db`` (which also lets the server
thread reach the database) is enough.

Chromium renders WebGL in software (SwiftShader), so MapLibre draws for real.
Screenshots go to ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # No GPU here: WebGL through ANGLE on SwiftShader, asked for explicitly (no silent fallback warning).
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
WEBMAP_APPS = ("django.contrib.staticfiles", "gis_server.webmap")
# Tests serve static files from the apps' folders (finders), so they never need `collectstatic`'s manifest.
PLAIN_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture(scope="package")
def playwright_api() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (Debian: apt-get install -y chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Python Playwright is not installed (pinned in the project's dev dependencies)"
    )
    from django.db import connections

    # Playwright's sync API keeps an asyncio loop on the main thread; Django would then refuse the (synchronous)
    # database calls the tests make. Nothing here is async, so the guard is lifted for this package only. The
    # connections the tests open in that context are their own (asgiref keys them by context): close them here.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            yield playwright
            connections.close_all()


@pytest.fixture(scope="package")
def browser(playwright_api: Any, server_url: str) -> Iterator[Any]:
    """Depends on the server only so that it closes first, with its keep-alive connections."""
    launched = playwright_api.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture(scope="package")
def server_url(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The project's URLs plus the web map at `/`, static files served, tiles cached in a temporary folder."""
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from django.test.utils import override_settings

    apps = [*settings.INSTALLED_APPS, *(a for a in WEBMAP_APPS if a not in settings.INSTALLED_APPS)]
    with override_settings(
        INSTALLED_APPS=apps,
        ROOT_URLCONF="tests.e2e.urls",
        STORAGES=PLAIN_STORAGES,
        GIS_TILE_CACHE_DIR=tmp_path_factory.mktemp("tiles"),
    ):
        thread = LiveServerThread("127.0.0.1", StaticFilesHandler)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
        thread.terminate()
        # Request threads (one per browser connection) close their database connection as they end; wait for
        # them, or the test database could not be dropped at the end of the session.
        for worker in threading.enumerate():
            if "process_request_thread" in worker.name:
                worker.join(timeout=10)


class Page:
    """A browser page on the web map that records console errors, failed requests and outside requests."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.on("request", self._request)

    def _failed(self, request: Any) -> None:
        # MapLibre cancels the tile requests a camera move leaves behind: an abort is not a failure.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"request failed: {request.url} {request.failure}")

    def _request(self, request: Any) -> None:
        if not request.url.startswith((self.base, "data:", "blob:")):
            self.outside.append(request.url)

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base + path)
        self.wait_for_map()

    def wait_for_map(self, seconds: int = 60) -> None:
        """Until the style, the tiles in view and any camera move are done; an error after ``seconds`` (a map
        that never settles, e.g. a source the server failed, must fail its test, not hang the suite)."""
        self.page.wait_for_function("() => window.webmap !== undefined", timeout=15_000)
        self.page.evaluate(
            """async (seconds) => {
                const map = window.webmap.map;
                const settled = window.webmap.ready.then(() => new Promise((resolve) => {
                    if (map.loaded() && !map.isMoving()) resolve();
                    else map.once('idle', resolve);
                }));
                const late = new Promise((_, reject) => setTimeout(
                    () => reject(new Error(`the map did not settle in ${seconds} s`)), seconds * 1000));
                await Promise.race([settled, late]);
            }""",
            seconds,
        )

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def assert_clean(self) -> None:
        assert self.errors == [], "\n".join(self.errors)
        assert self.outside == [], f"requests outside our server: {self.outside}"


def _page(browser: Any, server_url: str, viewport: dict[str, int], **options: Any) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale="vi-VN", service_workers="block", **options)
    wrapped = Page(context.new_page(), server_url)
    yield wrapped
    context.close()


@pytest.fixture
def page(browser: Any, server_url: str, db: None) -> Iterator[Page]:
    yield from _page(browser, server_url, DESKTOP)


@pytest.fixture
def phone_page(browser: Any, server_url: str, db: None) -> Iterator[Page]:
    yield from _page(browser, server_url, PHONE, has_touch=True, device_scale_factor=2)


@pytest.fixture
def webmap_settings(settings: Any) -> Any:
    """The web map installed and mounted at `/` (what the integration lines in gis_server/ do), without a browser."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, *(a for a in WEBMAP_APPS if a not in settings.INSTALLED_APPS)]
    settings.ROOT_URLCONF = "tests.e2e.urls"
    settings.STORAGES = PLAIN_STORAGES
    return settings
