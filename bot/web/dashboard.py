"""The therapists' dashboard: sign-in, the client list, a client's record, exports.

Flask renders every page on the server with Jinja's autoescaping, so whatever a
client wrote reaches the browser as text. Flask-WTF checks a CSRF token on every
POST. The cookie is Flask's signed session; it carries a random session token
whose hash the database keeps (bot/storage/accounts.py), so signing out and
expiry take effect on the server. Every look at a client's record, and every
attempt at someone else's, goes to the audit log.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from functools import wraps
from typing import Any, NoReturn

from flask import (
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFProtect

from bot.settings import Settings
from bot.storage import accounts, audit
from bot.storage.database import Database, database
from bot.storage.entries import PROBLEM_AREAS
from bot.therapist import review
from bot.therapist.report import TREND_WORDS

# The page shows at most this many entries of each kind; the summary, the chart
# and the exports always cover the whole period.
PAGE_ENTRIES = 500

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Same-origin: Flask-WTF checks the Referer of HTTPS form posts; nothing leaks out.
    "Referrer-Policy": "same-origin",
    # Client records must not linger in a shared computer's cache.
    "Cache-Control": "no-store",
}


def create_app(settings: Settings, secret_key: str, db: Database | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key,
        SESSION_COOKIE_NAME="ipt_dashboard",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.dashboard_secure_cookies,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.dashboard_session_hours),
        WTF_CSRF_TIME_LIMIT=settings.dashboard_session_hours * 3600,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    CSRFProtect(app)
    app.extensions["ipt_db"] = db or database(settings)
    app.extensions["ipt_settings"] = settings
    app.jinja_env.globals.update(
        area_name=review.area_name, trend_words=TREND_WORDS, areas=PROBLEM_AREAS
    )
    _routes(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def _db() -> Database:
    from flask import current_app

    return current_app.extensions["ipt_db"]


def _actor() -> audit.Actor:
    me: accounts.SignedIn = g.therapist
    return audit.Actor("dashboard", me.username, me.therapist_id)


def signed_in(view: Any) -> Any:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = session.get("token")
        therapist = accounts.session_therapist(_db(), token) if token else None
        if therapist is None:
            session.clear()
            return redirect(url_for("sign_in", next=request.full_path))
        g.therapist = therapist
        return view(*args, **kwargs)

    return wrapper


def _client_or_404(
    client_id: int, filters: review.Filters, texts: bool, from_last_session: bool
) -> review.ClientRecord:
    try:
        return review.client_record(
            _db(),
            client_id,
            filters,
            g.therapist.therapist_id,
            texts=texts,
            from_last_session=from_last_session,
        )
    except review.UnknownClient:
        _deny(client_id)


def _deny(client_id: int) -> NoReturn:
    # Another therapist's client looks exactly like one that does not exist.
    audit.record(_db(), _actor(), "denied", client_id=client_id, detail=request.path)
    abort(404)


def _filters() -> review.Filters:
    try:
        since = request.args.get("since") or None
        until = request.args.get("until") or None
        return review.Filters(
            since=review.parse_date(since, "start date") if since else None,
            until=review.parse_date(until, "end date") if until else None,
            area=request.args.get("area") or None,
        )
    except ValueError as error:
        abort(Response(render_template("error.html", message=str(error)), status=400))


def _open(
    client_id: int,
    action: str,
    from_last_session: bool = False,
    extra: str = "",
    texts: bool = True,
) -> review.ClientRecord:
    """The record the request asks for, its look written to the audit log first.

    Pages opened without filters start at the last session; the chart and
    export links carry the page's filters explicitly."""
    # Only a page opened with no parameters at all: a chosen area keeps every date.
    record = _client_or_404(client_id, _filters(), texts, from_last_session and not request.args)
    detail = record.filters.describe(extra)
    audit.record(_db(), _actor(), action, client_id=client_id, detail=detail)
    return record


def _routes(app: Flask) -> None:
    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.route("/sign-in", methods=["GET", "POST"])
    def sign_in() -> Any:
        if request.method == "GET":
            return render_template("sign_in.html")
        result = accounts.sign_in(
            _db(), request.form.get("username", ""), request.form.get("password", "")
        )
        if result.outcome == "locked":
            flash(
                f"Too many failed sign-ins for this account. Try again in "
                f"{result.retry_after_minutes} minutes, or ask the clinic to reset it."
            )
            return render_template("sign_in.html"), 429
        if result.outcome != "ok":
            flash("That username and password do not match.")
            return render_template("sign_in.html"), 401
        assert result.therapist_id is not None
        # A fresh cookie: nothing set before sign-in survives into the session.
        session.clear()
        session.permanent = True
        session["token"] = accounts.open_session(
            _db(), result.therapist_id, app.extensions["ipt_settings"].dashboard_session_hours
        )
        target = request.args.get("next", "")
        # Only a path on this site: never an address that leads elsewhere.
        if not target.startswith("/") or target.startswith("//") or "\\" in target:
            target = url_for("client_list")
        return redirect(target)

    @app.post("/sign-out")
    @signed_in
    def sign_out() -> Any:
        accounts.close_session(_db(), session["token"])
        audit.record(_db(), _actor(), "sign_out")
        session.clear()
        flash("You are signed out.")
        return redirect(url_for("sign_in"))

    @app.get("/")
    @signed_in
    def client_list() -> Any:
        clients = review.client_list(_db(), g.therapist.therapist_id)
        audit.record(_db(), _actor(), "list_clients")
        return render_template("clients.html", clients=clients)

    @app.get("/clients/<int:client_id>")
    @signed_in
    def client_page(client_id: int) -> Any:
        record = _open(client_id, "view_client", from_last_session=True)
        filters = record.filters
        group = "person" if request.args.get("group") == "person" else "area"
        incidents = [e for e in record.entries if e.kind == "incident"]
        groups: dict[str, list] = defaultdict(list)
        for entry in incidents[:PAGE_ENTRIES]:
            key = (
                review.person_key(entry.who or "")
                if group == "person"
                else review.area_name(entry.problem_area)
            )
            groups[key].append(entry)
        moods = [e for e in record.entries if e.kind == "mood"]
        return render_template(
            "client.html",
            record=record,
            summary=review.summarise(record),
            groups=sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])),
            group=group,
            incidents=len(incidents),
            moods=moods[:PAGE_ENTRIES],
            mood_count=len(moods),
            page_limit=PAGE_ENTRIES,
            query=_query(filters),
        )

    @app.get("/clients/<int:client_id>/chart.png")
    @signed_in
    def chart(client_id: int) -> Any:
        from bot.therapist.chart import mood_chart_png

        # Moods and dates only: the chart never shows what the client wrote.
        record = _open(client_id, "view_chart", texts=False)
        return Response(mood_chart_png(record), mimetype="image/png")

    @app.get("/clients/<int:client_id>/summary")
    @signed_in
    def summary(client_id: int) -> Any:
        record = _open(client_id, "view_summary", from_last_session=True)
        exchanges = review.exchanges(record)
        return render_template(
            "summary.html",
            record=record,
            summary=review.summarise(record),
            exchanges=exchanges[:PAGE_ENTRIES],
            exchange_count=len(exchanges),
            page_limit=PAGE_ENTRIES,
            query=_query(record.filters),
        )

    @app.get("/clients/<int:client_id>/export.<fmt>")
    @signed_in
    def export(client_id: int, fmt: str) -> Any:
        if fmt not in ("csv", "json"):
            abort(404)
        record = _open(client_id, "export", extra=f"format={fmt}")
        rows = review.export_rows(record)
        body = review.to_csv(rows) if fmt == "csv" else review.to_json(rows)
        mimetype = "text/csv" if fmt == "csv" else "application/json"
        return Response(
            body,
            mimetype=mimetype,
            headers={
                "Content-Disposition": f'attachment; filename="client-{client_id}-entries.{fmt}"'
            },
        )

    @app.post("/clients/<int:client_id>/session")
    @signed_in
    def mark_session(client_id: int) -> Any:
        try:
            review.mark_session(_db(), client_id, g.therapist.therapist_id)
        except review.UnknownClient:
            _deny(client_id)
        audit.record(_db(), _actor(), "mark_session", client_id=client_id)
        flash("Session recorded. From now on, new entries count as since the last session.")
        return redirect(url_for("client_page", client_id=client_id))

    @app.errorhandler(404)
    def not_found(_error: Exception) -> Any:
        return render_template("error.html", message="There is no such page or client."), 404

    @app.errorhandler(400)
    def bad_request(error: Exception) -> Any:
        message = getattr(error, "description", None) or "The request could not be read."
        return render_template("error.html", message=message), 400


def _query(filters: review.Filters) -> dict[str, str]:
    """The filters as URL parameters, for the chart and export links."""
    values = {
        "since": filters.since.isoformat() if filters.since else "",
        "until": filters.until.isoformat() if filters.until else "",
        "area": filters.area or "",
    }
    return {k: v for k, v in values.items() if v}
