"""The therapist's command line. Errors are one line on stderr and exit code 2.

Every command that shows or exports a client's record writes to the audit log.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings
from bot.storage import accounts, audit, clients, crisis_events
from bot.storage.database import Database, database
from bot.storage.entries import PROBLEM_AREAS
from bot.therapist import report
from bot.therapist.review import (
    ClientRecord,
    Filters,
    UnknownClient,
    client_list,
    client_overview,
    client_record,
    export_rows,
    mark_session,
    parse_date,
    to_csv,
    to_json,
)

# Commands that only read: they must not create an empty database by accident.
READ_ONLY = {"clients", "entries", "export", "summary", "chart", "audit", "crisis-report"}


class CliError(Exception):
    """One line for the therapist; the command exits with 2."""


def crisis_report(db: Database, year: int | None = None) -> str:
    """Crisis replies given (referrals to a crisis line), by month and category, for
    all time or, with `year`, one calendar year headed by its totals (what
    California's SB 243 asks an operator to report, docs/compliance.md). Counts
    only, nothing personal."""
    counts = crisis_events.referrals_by_month(db, year)
    period = f" in {year} (calendar year, UTC)" if year is not None else ""
    if not counts:
        return f"No crisis replies recorded{period}."
    categories = sorted({category for _, category in counts})
    months = sorted({month for month, _ in counts})
    width = max(len(c) for c in [*categories, "category"])
    rows = ["month    " + "  ".join(f"{c:>{width}}" for c in categories) + f"  {'total':>6}"]
    for month in months:
        cells = [counts.get((month, c), 0) for c in categories]
        rows.append(f"{month}  " + "  ".join(f"{n:>{width}}" for n in cells) + f"  {sum(cells):>6}")
    if year is None:
        return "\n".join(rows)
    totals = [
        f"  {c}: {sum(n for (_, category), n in counts.items() if category == c)}"
        for c in categories
    ]
    heading = f"Crisis replies with crisis-line referrals{period}: {sum(counts.values())}"
    return "\n".join([heading, *totals, "", *rows])


def pair_code(db: Database, therapist: str, days: int) -> str:
    code = clients.issue_code(db, clients.add_therapist(db, therapist), days)
    return (
        f"Pairing code for {therapist}: {code}\n"
        f"Valid for {days} days, once. The client types: my code is {code}"
    )


def _code_lines(client_id: int, code: str, days: int) -> str:
    return (
        f"Client {client_id}. Pairing code: {code} (valid for {days} days, once).\n"
        f"Give it to the client; they type in the chat: my code is {code}"
    )


def _therapist_id(db: Database, username: str) -> int:
    found = accounts.therapist_id(db, username)
    if found is None:
        raise CliError(f"no therapist signs in as {username!r} (add one with add-therapist)")
    return found


def _record(
    db: Database,
    args: argparse.Namespace,
    actor: audit.Actor,
    action: str,
    texts: bool = True,
    from_last_session: bool = False,
) -> ClientRecord:
    filters = Filters(
        since=parse_date(args.since, "--since date") if getattr(args, "since", None) else None,
        until=parse_date(args.until, "--until date") if getattr(args, "until", None) else None,
        area=getattr(args, "area", None),
    )
    record = client_record(
        db, args.client, filters, texts=texts, from_last_session=from_last_session
    )
    audit.record(db, actor, action, client_id=args.client, detail=record.filters.describe())
    return record


def _write(out: str | None, content: str | bytes) -> str | None:
    if out is None or out == "-":
        if isinstance(content, bytes):
            raise CliError("binary output needs --out FILE")
        sys.stdout.write(content)
        return None
    path = Path(out)
    if not path.parent.is_dir():
        raise CliError(f"no folder {path.parent} to write {path.name} into")
    mode = "wb" if isinstance(content, bytes) else "w"
    with path.open(mode, **({} if isinstance(content, bytes) else {"encoding": "utf-8"})) as f:
        f.write(content)
    return str(path)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (12+ characters): ")
    if getpass.getpass("Again: ") != first:
        raise CliError("the two passwords differ; nothing was changed")
    return first


def _run(command: str, args: argparse.Namespace, settings: Settings, db: Database) -> None:
    actor = audit.Actor("cli", f"cli:{getpass.getuser()}")
    days = settings.pairing_code_days
    if command == "crisis-report":
        print(crisis_report(db, args.year))
    elif command == "add-therapist":
        therapist_id = accounts.create_therapist(db, args.name, args.username, _read_password(args))
        audit.record(db, actor, "add_therapist", detail=args.username)
        print(f"Therapist {therapist_id}: {args.name}, signs in as {args.username.lower()}")
    elif command == "set-password":
        accounts.set_password(db, args.username, _read_password(args))
        # A new password also lifts a lock-out: the old one may be why it happened.
        accounts.lift_lockout(db, args.username, actor)
        print(f"Password changed for {args.username}; their open sessions were ended.")
    elif command == "unlock":
        accounts.lift_lockout(db, args.username, actor)
        print(f"{args.username} can sign in again now (recorded in the audit log).")
    elif command == "add-client":
        therapist_id = _therapist_id(db, args.therapist)
        client_id, code = clients.add_client(db, therapist_id, args.name, days)
        audit.record(db, actor, "add_client", client_id=client_id)
        print(_code_lines(client_id, code, days))
    elif command == "pair-code":
        if args.client is not None:
            therapist_id = client_overview(db, args.client).therapist_id
            assert therapist_id is not None  # client_overview refuses clients without one
            code = clients.issue_code(db, therapist_id, days, client_id=args.client)
            audit.record(db, actor, "pair_code", client_id=args.client)
            print(_code_lines(args.client, code, days))
        else:
            print(pair_code(db, args.therapist, days))
    elif command == "clients":
        therapist_id = _therapist_id(db, args.therapist) if args.therapist else None
        audit.record(db, actor, "list_clients", detail=args.therapist)
        print(report.client_table(client_list(db, therapist_id)))
    elif command == "entries":
        print(report.entry_table(_record(db, args, actor, "view_client").entries))
    elif command == "summary":
        record = _record(db, args, actor, "view_summary", from_last_session=args.since is None)
        print(report.summary_text(record))
    elif command == "chart":
        from bot.therapist.chart import mood_chart_png

        written = _write(
            args.out, mood_chart_png(_record(db, args, actor, "view_chart", texts=False))
        )
        print(f"Chart written to {written}")
    elif command == "export":
        rows = []
        ids = [args.client] if args.client is not None else [c.id for c in client_list(db)]
        for client_id in ids:
            args.client = client_id
            rows += export_rows(_record(db, args, actor, "export"))
        content = to_csv(rows) if args.format == "csv" else to_json(rows) + "\n"
        written = _write(args.out, content)
        if written:
            print(f"{len(rows)} entries written to {written}", file=sys.stderr)
    elif command == "mark-session":
        mark_session(db, args.client, None)
        audit.record(db, actor, "mark_session", client_id=args.client)
        print(f"Session recorded for client {args.client}; the next summary starts now.")
    elif command == "audit":
        print(report.audit_table(audit.recent(db, args.limit, args.client)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ipt-therapist", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add: Callable[..., argparse.ArgumentParser] = commands.add_parser

    def client_arg(p: argparse.ArgumentParser, required: bool = True) -> None:
        p.add_argument("--client", type=int, required=required, metavar="ID", help="client id")

    def dates(p: argparse.ArgumentParser) -> None:
        p.add_argument("--since", metavar="DATE", help="entries logged on or after (YYYY-MM-DD)")
        p.add_argument("--until", metavar="DATE", help="entries logged on or before (YYYY-MM-DD)")

    def password(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    p = add("crisis-report", help="count crisis referrals by category and month (no personal data)")
    p.add_argument("--year", type=_year, metavar="YYYY", help="one calendar year (UTC) only")
    p = add("add-therapist", help="a therapist who can sign in to the dashboard")
    p.add_argument("--name", required=True, help='shown to clients, e.g. "Dr Rivera"')
    p.add_argument("--username", required=True, help="for signing in, e.g. rivera")
    password(p)
    p = add("set-password", help="a new dashboard password for a therapist")
    p.add_argument("--username", required=True)
    password(p)
    p = add("unlock", help="lift a lock-out after too many failed sign-ins")
    p.add_argument("--username", required=True)
    p = add("add-client", help="a client record and the pairing code that links their chat to it")
    p.add_argument("name", metavar="NAME", help="how the therapist knows the client")
    p.add_argument("--therapist", required=True, metavar="USERNAME", help="their therapist")
    p = add("pair-code", help="a new pairing code for a client not yet paired")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--client", type=int, metavar="ID", help="the client record it links to")
    who.add_argument("--therapist", help="a code for any new client of this therapist (by name)")
    p = add("clients", help="clients, their last activity and crisis marks")
    p.add_argument("--therapist", metavar="USERNAME", help="only this therapist's clients")
    p = add("entries", help="a client's entries as a table")
    client_arg(p)
    dates(p)
    p.add_argument("--area", choices=PROBLEM_AREAS, help="only incidents in this problem area")
    p = add("export", help="entries, decrypted and complete, as CSV or JSON")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--client", type=int, metavar="ID")
    scope.add_argument("--all", action="store_true", help="every paired client")
    p.add_argument("--format", choices=("csv", "json"), required=True)
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    dates(p)
    p = add("summary", help="the pre-session summary (since the last session by default)")
    client_arg(p)
    dates(p)
    p = add("chart", help="mood over time with incidents and crisis events, as PNG")
    client_arg(p)
    dates(p)
    p.add_argument("--out", required=True, metavar="FILE.png")
    p = add("mark-session", help="record that a session took place today")
    client_arg(p)
    p = add("audit", help="who looked at which record, newest first")
    client_arg(p, required=False)
    p.add_argument("--limit", type=int, default=50)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command in READ_ONLY:
            _require_database(settings)
        from bot.storage.migrate import prepare

        prepare(settings)
        _run(args.command, args, settings, database(settings))
    except CliError as error:
        _fail(str(error))
    except UnknownClient as error:
        _fail(f"{error} (see: clients)")
    except (SettingsError, ValueError) as error:
        _fail(str(error))
    except Exception as error:
        _fail(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 9999):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year such as 2026")
    return int(text)


def _require_database(settings: Settings) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        _fail(f"no database at {url.database}: nothing has been logged here yet")


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)
