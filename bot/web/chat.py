"""The web chat page, the one script a clinic adds to its own site, and /safety.

Everything the browser loads comes from here: the page, webchat.js (written by
hand, DOM only, no framework), its CSS, and the socket.io client vendored from
npm at set-up (web/node_modules). The page talks to Rasa's socket.io channel
(bot/channels/webchat.py) at WEBCHAT_SERVER_URL. Separate from the dashboard, so
a clinic can put one on the internet without the other.

/safety is the published crisis protocol the chatbot laws ask for (California
SB 243, New York GBL Article 47; docs/compliance.md): what the assistant is, what
it does when a message shows risk, and the crisis lines of the clinic's locale,
from content/compliance/safety_page.yml and content/crisis/lines.yml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, render_template, send_from_directory

from bot.content.compliance import safety_page
from bot.crisis.lines import load_locale
from bot.settings import PROJECT_ROOT, Settings

VENDOR = PROJECT_ROOT / "web" / "node_modules" / "socket.io-client" / "dist"


def _websocket_origin(server_url: str) -> str:
    return "ws" + server_url[len("http") :]


def create_chat_app(settings: Settings, vendor: Path = VENDOR) -> Flask:
    if not (vendor / "socket.io.min.js").is_file():
        raise FileNotFoundError(f"no socket.io client in {vendor}: run `make setup`")
    app = Flask(__name__)
    server = settings.webchat_server_url
    # Read once: a file a clinic broke stops the start, not a visitor's page.
    protocol = safety_page()
    locale = load_locale(settings.crisis_locale)
    lines = [service.line() for service in locale.services.values()]
    config = {"server": server, "path": "/socket.io"}
    # The page only talks to itself and to the Rasa server; no inline scripts.
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self' {server} {_websocket_origin(server)}; "
        "frame-ancestors 'self'; base-uri 'none'; object-src 'none'; form-action 'self'"
    )

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/")
    def page() -> Any:
        return render_template("chat.html")

    @app.get("/safety")
    def safety() -> Any:
        return render_template(
            "safety.html",
            page=protocol,
            emergency=protocol.emergency_line(locale.emergency),
            locale=locale.name,
            lines=lines,
        )

    @app.get("/webchat.js")
    def widget() -> Any:
        body = render_template("webchat.js", config=config)
        # Other sites embed it: they may load it, and it must not be cached for long.
        return Response(
            body,
            mimetype="text/javascript",
            headers={"Cache-Control": "max-age=300", "Access-Control-Allow-Origin": "*"},
        )

    @app.get("/vendor/<name>")
    def vendored(name: str) -> Any:
        if name != "socket.io.min.js":
            abort(404)
        return send_from_directory(vendor, name, mimetype="text/javascript")

    return app
