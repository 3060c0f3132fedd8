"""The dashboard's rules, through Flask's test client on a real database:
sign-in, CSRF, lock-out, sessions, who sees what, the audit log, escaping."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from benchmarks.review_seed import PASSWORD, incident, paired_client, save
from bot.settings import load_settings
from bot.storage import accounts, audit, crisis_events
from bot.storage.crisis_events import NewCrisisEvent
from bot.storage.database import Database
from bot.storage.models import utcnow
from bot.web.dashboard import create_app
from tests.test_therapist_review import HOSTILE

BASE = "https://localhost"


@pytest.fixture
def app(db: Database, tmp_path: Path):
    settings = load_settings(environ={}, dotenv_path=tmp_path / "none", project_root=tmp_path)
    app = create_app(settings, "s" * 48, db)
    app.config["TESTING"] = True
    return app


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _post(browser, path: str, data: dict[str, str], page: str | None = None):
    page = page if page is not None else browser.get("/sign-in", base_url=BASE).text
    return browser.post(
        path,
        data={**data, "csrf_token": _token(page)},
        base_url=BASE,
        headers={"Referer": BASE + path},
    )


def _signed_in(app, username: str = "rivera", password: str = PASSWORD):
    browser = app.test_client()
    response = _post(browser, "/sign-in", {"username": username, "password": password})
    assert response.status_code == 302, response.text
    return browser


def test_pages_need_a_sign_in_and_the_cookie_is_locked_down(app, db: Database) -> None:
    seeded = paired_client(db)
    browser = app.test_client()
    response = browser.get(f"/clients/{seeded.client_id}", base_url=BASE)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    response = _post(browser, "/sign-in", {"username": "Rivera ", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
    page = browser.get("/", base_url=BASE)
    assert page.status_code == 200 and "Alex P." in page.text
    headers = page.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"


def test_a_post_without_the_csrf_token_is_refused(app, db: Database) -> None:
    paired_client(db)
    browser = app.test_client()
    response = browser.post(
        "/sign-in", data={"username": "rivera", "password": PASSWORD}, base_url=BASE
    )
    assert response.status_code == 400 and "CSRF" in response.text
    browser = _signed_in(app)
    response = browser.post("/clients/1/session", base_url=BASE, headers={"Referer": BASE + "/"})
    assert response.status_code == 400


def test_wrong_passwords_lock_the_account_for_a_while(app, db: Database) -> None:
    paired_client(db)
    browser = app.test_client()
    for _ in range(accounts.MAX_FAILURES):
        response = _post(browser, "/sign-in", {"username": "rivera", "password": "wrong"})
        assert response.status_code == 401
        assert "do not match" in response.text
    # Locked: even the right password is refused, and the message says why.
    response = _post(browser, "/sign-in", {"username": "rivera", "password": PASSWORD})
    assert response.status_code == 429 and "Too many failed sign-ins" in response.text
    # The lock ends when the window has passed.
    later = utcnow() + accounts.LOCKOUT_WINDOW + timedelta(seconds=1)
    assert accounts.sign_in(db, "rivera", PASSWORD, now=later).outcome == "ok"
    # An unknown name gets the same answer as a wrong password.
    response = _post(browser, "/sign-in", {"username": "nobody", "password": PASSWORD})
    assert response.status_code == 401 and "do not match" in response.text
    # The stored hash is argon2id, never the password.
    with db.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT password_hash FROM therapists").scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_signing_out_ends_the_session_on_the_server(app, db: Database) -> None:
    paired_client(db)
    browser = _signed_in(app)
    stolen = browser.get_cookie("ipt_dashboard", domain="localhost").value
    page = browser.get("/", base_url=BASE).text
    assert _post(browser, "/sign-out", {}, page=page).status_code == 302
    # The old cookie, replayed, no longer opens anything.
    thief = app.test_client()
    thief.set_cookie("ipt_dashboard", stolen, domain="localhost", secure=True)
    assert thief.get("/", base_url=BASE).status_code == 302


def test_after_sign_in_it_only_goes_to_a_page_of_this_site(app, db: Database) -> None:
    paired_client(db)
    for target, expected in [
        ("//evil.example/", "/"),
        ("https://evil.example", "/"),
        ("/clients/1", "/clients/1"),
    ]:
        browser = app.test_client()
        page = browser.get("/sign-in", base_url=BASE).text
        response = browser.post(
            f"/sign-in?next={target}",
            data={"username": "rivera", "password": PASSWORD, "csrf_token": _token(page)},
            base_url=BASE,
            headers={"Referer": BASE + "/sign-in"},
        )
        assert response.headers["Location"] == expected


def test_a_therapist_cannot_open_another_therapists_client(app, db: Database) -> None:
    mine = paired_client(db)
    theirs = paired_client(db, "okafor", "Dr Okafor", "Sam", "conv-sam")
    save(db, theirs.conversation_id, incident(what_happened="Sam's secret"), utcnow())
    browser = _signed_in(app)
    assert "Sam" not in browser.get("/", base_url=BASE).text
    for path in ["", "/chart.png", "/summary", "/export.csv", "/export.json"]:
        response = browser.get(f"/clients/{theirs.client_id}{path}", base_url=BASE)
        assert response.status_code == 404 and "Sam's secret" not in response.text
    page = browser.get(f"/clients/{mine.client_id}", base_url=BASE).text
    assert _post(browser, f"/clients/{theirs.client_id}/session", {}, page).status_code == 404
    denied = [a for a in audit.recent(db) if a.action == "denied"]
    assert len(denied) == 6 and {a.client_id for a in denied} == {theirs.client_id}
    assert all(a.actor == "rivera" for a in denied)


def test_every_look_at_a_record_is_audited(app, db: Database) -> None:
    seeded = paired_client(db)
    save(db, seeded.conversation_id, incident(), utcnow())
    browser = _signed_in(app)
    base = f"/clients/{seeded.client_id}"
    for path in ["", "/chart.png?since=2020-01-01", "/summary", "/export.json?area=grief"]:
        assert browser.get(base + path, base_url=BASE).status_code == 200
    logged = [(a.action, a.client_id, a.detail) for a in reversed(audit.recent(db))]
    views = [entry for entry in logged if entry[1] == seeded.client_id]
    assert [v[0] for v in views] == ["view_client", "view_chart", "view_summary", "export"]
    assert views[1][2] == "since=2020-01-01" and views[3][2] == "area=grief format=json"


def test_the_client_page_shows_everything_as_text(app, db: Database) -> None:
    seeded = paired_client(db)
    save(db, seeded.conversation_id, incident(who=HOSTILE, other_said=HOSTILE), utcnow())
    crisis_events.record(
        db, NewCrisisEvent("conv-alex", "m1", "detected", "self_harm", "<b>help</b>", "lexicon")
    )
    browser = _signed_in(app)
    client_list = browser.get("/", base_url=BASE).text
    assert "⚠ CRISIS" in client_list and 'class="crisis"' in client_list
    page = browser.get(f"/clients/{seeded.client_id}", base_url=BASE).text
    assert "<script>window.pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert "&lt;b&gt;help&lt;/b&gt;" in page
    # The crisis box comes before everything else the summary says.
    assert page.index("Crisis events: 1") < page.index("By problem area")
    summary = browser.get(f"/clients/{seeded.client_id}/summary", base_url=BASE).text
    assert "&lt;script&gt;" in summary and "<script>" not in summary
    exported = browser.get(f"/clients/{seeded.client_id}/export.json", base_url=BASE)
    assert exported.headers["Content-Disposition"].startswith("attachment;")
    assert json.loads(exported.data)["entries"][0]["who"] == HOSTILE


def test_bad_filters_get_a_clear_message(app, db: Database) -> None:
    seeded = paired_client(db)
    browser = _signed_in(app)
    response = browser.get(f"/clients/{seeded.client_id}?since=yesterday", base_url=BASE)
    assert response.status_code == 400 and "not a date like" in response.text
    response = browser.get(f"/clients/{seeded.client_id}?area=sadness", base_url=BASE)
    assert response.status_code == 400 and "unknown problem area" in response.text


def test_marking_a_session_moves_the_review_start(app, db: Database) -> None:
    seeded = paired_client(db)
    browser = _signed_in(app)
    page = browser.get(f"/clients/{seeded.client_id}", base_url=BASE).text
    assert "none recorded" in page
    response = _post(browser, f"/clients/{seeded.client_id}/session", {}, page)
    assert response.status_code == 302
    page = browser.get(f"/clients/{seeded.client_id}", base_url=BASE).text
    assert "Session recorded" in page and f"last session {utcnow():%Y-%m-%d}" in page
