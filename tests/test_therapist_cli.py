"""python -m bot.therapist, run as a therapist runs it, on a real local database."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.review_seed import incident, save
from bot.settings import load_settings
from bot.storage import audit, clients, crisis_events
from bot.storage.crisis_events import NewCrisisEvent
from bot.storage.database import database
from bot.storage.entries import EntryData
from bot.storage.models import utcnow
from bot.therapist.cli import main
from tests.test_therapist_review import HOSTILE


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "DATA_ENCRYPTION_KEY": "",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, password: str | None = None
) -> tuple[int, str, str]:
    stdin = sys.stdin
    if password is not None:
        sys.stdin = io.StringIO(password + "\n")
    try:
        main(list(argv))
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    finally:
        sys.stdin = stdin
    out, err = capsys.readouterr()
    return code, out, err


def _paired(capsys: pytest.CaptureFixture[str]) -> int:
    """A therapist, a client record made with add-client, and the client's
    conversation paired with the code it printed."""
    code, out, _ = run(capsys, "add-therapist", "--name", "Dr Rivera", "--username", "rivera",
                       "--password-stdin", password="a long enough password")  # fmt: skip
    assert code == 0 and "signs in as rivera" in out
    code, out, _ = run(capsys, "add-client", "Alex P.", "--therapist", "rivera")
    assert code == 0 and "Pairing code:" in out
    client_id = int(out.split()[1].rstrip("."))
    pairing = out.split("Pairing code: ")[1].split()[0]
    db = database(load_settings())
    clients.record_consent(db, "conv-alex")
    assert clients.pair(db, "conv-alex", pairing).outcome == "paired"
    return client_id


def test_add_client_prints_a_code_that_expires(env: Path, capsys) -> None:
    _paired(capsys)
    code, out, _ = run(capsys, "clients")
    assert code == 0
    assert "Alex P." in out and "Dr Rivera" in out and "paired" in out
    code, out, _ = run(capsys, "add-client", "Sam", "--therapist", "rivera")
    assert "valid for 7 days, once" in out
    code, out, _ = run(capsys, "clients", "--therapist", "rivera")
    assert "code not used yet" in out
    # A lost code is replaced for a record not yet paired, never for a paired one.
    code, out, _ = run(capsys, "pair-code", "--client", "2")
    assert code == 0 and out.startswith("Client 2. Pairing code:")
    code, _, err = run(capsys, "pair-code", "--client", "1")
    assert code == 2 and "client 1 is already paired" in err


def test_entries_summary_export_and_chart(env: Path, capsys) -> None:
    client_id = _paired(capsys)
    db = database(load_settings())
    now = utcnow()
    save(db, "conv-alex", incident(who="My Mum", client_said=HOSTILE), now)
    save(db, "conv-alex", incident(problem_area="grief", who="Dad", mood=2), now)
    save(db, "conv-alex", EntryData("mood", 6, note="ok day"), now)
    crisis_events.record(db, NewCrisisEvent("conv-alex", "m1", "detected", "suicide", "no way out"))

    code, out, _ = run(capsys, "entries", "--client", str(client_id))
    assert code == 0 and "(3 entries;" in out
    assert out.count("incident") == 2 and "Role dispute" in out and "Grief" in out
    assert "ok day" in out
    code, out, _ = run(capsys, "entries", "--client", str(client_id), "--area", "grief")
    assert "(1 entries;" in out

    code, out, _ = run(capsys, "summary", "--client", str(client_id))
    assert code == 0
    assert out.index("CRISIS EVENTS: 1") < out.index("Mood: average 4.0, lowest 2, highest 6")
    assert "no way out" in out and "Incidents by person: dad 1, mum 1" in out
    assert "Client said: <script>window.pwned=1</script>" in out
    # Terminal escape sequences in a client's text never reach the terminal.
    save(db, "conv-alex", incident(what_happened="\x1b[2J\x1b[31mcleared"), now)
    code, out, _ = run(capsys, "summary", "--client", str(client_id))
    assert "\x1b" not in out and "[2J [31mcleared" in out
    code, out, _ = run(capsys, "entries", "--client", str(client_id))
    assert "\x1b" not in out

    code, out, _ = run(capsys, "export", "--client", str(client_id), "--format", "json")
    exported = json.loads(out)
    assert len(exported["entries"]) == 4 and exported["entries"][0]["client_said"] == HOSTILE
    target = env / "all.csv"
    code, _, err = run(capsys, "export", "--all", "--format", "csv", "--out", str(target))
    assert code == 0 and "4 entries written" in err
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert [r["kind"] for r in rows] == ["incident", "incident", "mood", "incident"]

    png = env / "mood.png"
    code, out, _ = run(capsys, "chart", "--client", str(client_id), "--out", str(png))
    assert code == 0 and png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert png.stat().st_size > 5_000

    # Each look at the record is in the audit log, attributed to the command line.
    actions = [a.action for a in audit.recent(db) if a.client_id == client_id]
    assert actions.count("view_client") == 3 and actions.count("export") == 2
    assert {"view_summary", "view_chart"} <= set(actions)
    code, out, _ = run(capsys, "audit", "--client", str(client_id))
    assert "view_summary" in out and "cli:" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["entries", "--client", "99"], "error: no client with id 99 (see: clients)"),
        (["summary", "--client", "99"], "error: no client with id 99 (see: clients)"),
        (["entries", "--client", "1", "--since", "2026-02-30"], "is not a date like"),
        (["add-client", "Sam", "--therapist", "nobody"], "no therapist signs in as 'nobody'"),
        (["chart", "--client", "1", "--out", "/no/such/folder/x.png"], "no folder /no/such/folder"),
    ],
)
def test_errors_are_one_line_and_exit_2(env: Path, capsys, argv: list[str], message: str) -> None:
    _paired(capsys)
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_without_a_database_it_says_so_and_creates_nothing(env: Path, capsys) -> None:
    code, _, err = run(capsys, "clients")
    assert code == 2 and err.startswith("error: no database at ")
    assert not (env / "ipt.db").exists()


def test_a_weak_password_is_refused_and_nothing_is_made(env: Path, capsys) -> None:
    code, _, err = run(capsys, "add-therapist", "--name", "Dr R", "--username", "r1",
                       "--password-stdin", password="short")  # fmt: skip
    assert code == 2 and "at least 12 characters" in err
    assert run(capsys, "clients")[1].startswith("No clients yet")


def test_it_is_also_a_console_script(env: Path) -> None:
    script = Path(sys.executable).with_name("ipt-therapist")
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, env=os.environ, timeout=120
    )
    assert result.returncode == 0
    for command in (
        "add-therapist",
        "add-client",
        "clients",
        "entries",
        "export",
        "summary",
        "chart",
    ):
        assert command in result.stdout


def test_the_yearly_crisis_report_counts_referrals_and_names_no_one(env: Path, capsys) -> None:
    from datetime import datetime, timezone

    _paired(capsys)
    db = database(load_settings())
    for n, (kind, category, when) in enumerate(
        [
            ("detected", "suicide", datetime(2026, 3, 4, tzinfo=timezone.utc)),
            ("detected", "suicide", datetime(2026, 11, 30, 23, 59, tzinfo=timezone.utc)),
            ("not_safe", "suicide", datetime(2026, 12, 1, tzinfo=timezone.utc)),
            ("detected", "abuse", datetime(2026, 7, 1, tzinfo=timezone.utc)),
            ("retraction", "suicide", datetime(2026, 7, 2, tzinfo=timezone.utc)),
            ("detected", "self_harm", datetime(2025, 12, 31, 23, 59, tzinfo=timezone.utc)),
        ]
    ):
        new = NewCrisisEvent("conv-alex", f"m{n}", kind, category, "Alex wrote: no way out")
        crisis_events.record(db, new, now=when)
    code, out, _ = run(capsys, "crisis-report", "--year", "2026")
    assert code == 0
    # A retraction is no referral; 2025's event is in 2025 only.
    assert "Crisis replies with crisis-line referrals in 2026 (calendar year, UTC): 4" in out
    assert "  abuse: 1\n  suicide: 3\n" in out and "self_harm" not in out
    assert "Alex" not in out and "conv-alex" not in out and "no way out" not in out
    code, out, _ = run(capsys, "crisis-report", "--year", "2025")
    assert "2025 (calendar year, UTC): 1" in out and "self_harm: 1" in out
    code, out, _ = run(capsys, "crisis-report", "--year", "2024")
    assert code == 0 and out.strip() == "No crisis replies recorded in 2024 (calendar year, UTC)."
    code, _, err = run(capsys, "crisis-report", "--year", "26")
    assert code == 2 and "is not a year" in err


def test_a_lock_out_is_lifted_by_unlock_or_a_new_password_and_audited(env: Path, capsys) -> None:
    from bot.storage import accounts

    _paired(capsys)
    db = database(load_settings())

    def lock() -> None:
        for _ in range(accounts.MAX_FAILURES):
            assert accounts.sign_in(db, "rivera", "wrong password").outcome == "wrong"
        assert accounts.sign_in(db, "rivera", "a long enough password").outcome == "locked"

    lock()
    code, out, _ = run(capsys, "unlock", "--username", "rivera")
    assert code == 0 and "can sign in again" in out
    assert accounts.sign_in(db, "rivera", "a long enough password").outcome == "ok"
    lock()
    code, _, _ = run(capsys, "set-password", "--username", "rivera", "--password-stdin",
                     password="another long password")  # fmt: skip
    assert code == 0
    assert accounts.sign_in(db, "rivera", "another long password").outcome == "ok"
    lifts = [e for e in audit.recent(db) if e.action == "lockout_lifted"]
    assert len(lifts) == 2 and all(e.channel == "cli" for e in lifts)
    code, _, err = run(capsys, "unlock", "--username", "nobody")
    assert code == 2 and "no therapist signs in as 'nobody'" in err
