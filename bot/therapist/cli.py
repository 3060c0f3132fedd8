"""The therapist's command line. Errors are one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import sys

from bot.settings import SettingsError, load_settings
from bot.storage import clients, crisis_events
from bot.storage.database import Database, database


def crisis_report(db: Database) -> str:
    """Crisis replies given, by month and category: counts only, nothing personal."""
    counts = crisis_events.referrals_by_month(db)
    if not counts:
        return "No crisis replies recorded."
    categories = sorted({category for _, category in counts})
    months = sorted({month for month, _ in counts})
    width = max(len(c) for c in [*categories, "category"])
    rows = ["month    " + "  ".join(f"{c:>{width}}" for c in categories) + f"  {'total':>6}"]
    for month in months:
        cells = [counts.get((month, c), 0) for c in categories]
        rows.append(f"{month}  " + "  ".join(f"{n:>{width}}" for n in cells) + f"  {sum(cells):>6}")
    return "\n".join(rows)


def pair_code(db: Database, therapist: str, days: int) -> str:
    code = clients.issue_code(db, clients.add_therapist(db, therapist), days)
    return (
        f"Pairing code for {therapist}: {code}\n"
        f"Valid for {days} days, once. The client types: my code is {code}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ipt-therapist", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "crisis-report", help="count crisis referrals by category and month (no personal data)"
    )
    pairing = commands.add_parser(
        "pair-code", help="a one-time code that links a client's entries to a therapist"
    )
    pairing.add_argument(
        "--therapist", required=True, help='the therapist\'s name, e.g. "Dr Rivera"'
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        from bot.storage.migrate import prepare

        prepare(settings)
        db = database(settings)
        if args.command == "crisis-report":
            print(crisis_report(db))
        elif args.command == "pair-code":
            print(pair_code(db, args.therapist, settings.pairing_code_days))
    except (SettingsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except Exception as error:
        print(f"error: {type(error).__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
        sys.exit(2)
