"""The dashboard in a real browser: Debian's Chromium (/usr/bin/chromium, put
there by `make test`) driven by Playwright, against `python -m bot.web` served
by waitress on a free local port, with the secure cookie settings of production."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from benchmarks.review_seed import PASSWORD, incident, paired_client, save
from bot.local_instance import LocalDashboard
from bot.storage import crisis_events
from bot.storage.crisis_events import NewCrisisEvent
from bot.storage.crypto import FieldCipher
from bot.storage.database import Database
from bot.storage.entries import EntryData
from bot.storage.migrate import upgrade
from bot.storage.models import utcnow
from tests.test_therapist_review import HOSTILE


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("dashboard")
    key = Fernet.generate_key().decode()
    url = f"sqlite:///{folder / 'ipt.db'}"
    upgrade(url)
    db = Database(url, FieldCipher([key]))
    alex = paired_client(db)
    now = utcnow()
    save(db, alex.conversation_id, incident(who="my mum", other_said=HOSTILE), now)
    save(db, alex.conversation_id, EntryData("mood", 3, note="low"), now)
    crisis_events.record(db, NewCrisisEvent("conv-alex", "m1", "detected", "suicide", "help me"))
    sam = paired_client(db, "okafor", "Dr Okafor", "Sam", "conv-sam")
    # The secure cookie settings of production: Chromium accepts them from 127.0.0.1.
    server = LocalDashboard(folder, url, key, DASHBOARD_SECURE_COOKIES="true")
    server.start()
    try:
        yield {"base": server.base, "alex": alex.client_id, "sam": sam.client_id}
    finally:
        assert server.stop() == 0


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(accept_downloads=True)
    yield context.new_page()
    context.close()


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/")
    assert "/sign-in" in page.url
    # By keyboard, as someone without a mouse would.
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(base + "/")


def test_sign_in_client_page_chart_and_export(site: dict[str, Any], page: Any) -> None:
    base = site["base"]
    _sign_in(page, base, "rivera")
    row = page.locator(f"tr[data-client-id='{site['alex']}']")
    assert row.locator(".crisis-badge").is_visible()
    assert "Sam" not in page.content()

    page.get_by_role("link", name="Alex P.").click()
    page.wait_for_url(f"{base}/clients/{site['alex']}")
    assert page.get_by_role("alert").inner_text().startswith("⚠ Crisis events: 1")
    assert page.get_by_text("help me").is_visible()
    # The chart is a real image the browser decoded.
    chart = page.locator("img.chart")
    chart.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('img.chart').complete")
    assert chart.evaluate("img => img.naturalWidth") == 900

    with page.expect_download() as download:
        page.get_by_role("link", name="Export JSON").click()
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [e["kind"] for e in exported["entries"]] == ["incident", "mood"]
    assert exported["entries"][0]["other_said"] == HOSTILE

    page.get_by_role("link", name="Printable summary").click()
    assert page.get_by_role("heading", name="Pre-session summary: Alex P.").is_visible()


def test_hostile_text_shows_as_text(site: dict[str, Any], page: Any) -> None:
    _sign_in(page, site["base"], "rivera")
    page.goto(f"{site['base']}/clients/{site['alex']}")
    said = page.locator("dd", has_text="window.pwned=1")
    assert "<script>window.pwned=1</script>" in said.inner_text()
    assert "שלום مرحبا 😢👩\u200d👧" in said.inner_text()
    # Nothing the client wrote ran, and a 3,000-letter word does not widen the page.
    assert page.evaluate("window.pwned") is None
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_one_therapist_cannot_open_anothers_client(site: dict[str, Any], page: Any) -> None:
    _sign_in(page, site["base"], "okafor")
    assert "Alex" not in page.content()
    for path in ["", "/export.json", "/summary"]:
        response = page.goto(f"{site['base']}/clients/{site['alex']}{path}")
        assert response.status == 404
        assert "help me" not in page.content() and "window.pwned" not in page.content()
    page.goto(f"{site['base']}/clients/{site['sam']}")
    assert page.get_by_role("heading", name="Sam").is_visible()


def test_signing_out_closes_the_pages(site: dict[str, Any], page: Any) -> None:
    _sign_in(page, site["base"], "rivera")
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_text("You are signed out.").is_visible()
    page.goto(f"{site['base']}/clients/{site['alex']}")
    assert "/sign-in" in page.url
