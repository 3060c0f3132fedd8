from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.content.psychoeducation import PsychoeducationError
from bot.crisis import CATEGORIES, HELP
from bot.crisis.lines import CrisisLinesError, load_locale, load_locales
from bot.crisis.replies import OnCall, crisis_reply, crisis_responses, load_wording
from bot.domain_build import render_domain
from bot.settings import load_settings


def test_every_locale_loads_with_an_emergency_number_and_a_crisis_line() -> None:
    locales = load_locales()
    assert {"US", "UK", "CA", "AU"} <= set(locales)
    for locale in locales.values():
        assert locale.emergency
        for category in (*CATEGORIES, HELP):
            assert locale.services_for(category), (locale.code, category)


def test_the_us_lines_are_the_published_ones() -> None:
    text = "\n".join(s.line() for s in load_locale("US").services.values())
    for expected in [
        "988 Suicide & Crisis Lifeline: call or text 988",
        "Crisis Text Line: text HOME to 741741",
        "call 1-800-799-7233 or text START to 88788",
        "RAINN National Sexual Assault Hotline: call 1-800-656-4673",
        "SAMHSA National Helpline (free and confidential, for drug and alcohol problems): "
        "call 1-800-662-4357",
        "Poison Control: call 1-800-222-1222",
    ]:
        assert expected in text
    assert load_locale("US").emergency == "911"


@pytest.mark.parametrize("code", ["US", "UK", "CA", "AU"])
@pytest.mark.parametrize("category", [*CATEGORIES, HELP])
def test_each_reply_puts_its_lines_first_and_keeps_every_number(code: str, category: str) -> None:
    locale = load_locale(code)
    reply = crisis_reply(category, locale, load_wording())
    lines = reply.splitlines()
    # The lines come first: the first line introduces them (or is the emergency
    # number), and the very next lines are the services themselves.
    services = locale.services_for(category)
    emergency_first = category in ("immediate_danger", "overdose")
    start = 2 if emergency_first else 1
    if emergency_first:
        assert locale.emergency in lines[0]
    for offset, service in enumerate(services):
        assert lines[start + offset] == f"• {service.line()}"
    assert locale.emergency in reply
    assert "not a therapist" in reply and "real time" in reply
    # Brief: a crisis reply fits on a phone screen.
    assert len(reply) < 900


def test_a_clinic_on_call_number_is_added_to_every_reply() -> None:
    oncall = OnCall("Riverside Clinic on-call", "555-0100")
    responses = crisis_responses(load_locale("UK"), load_wording(), oncall)
    for name, variants in responses.items():
        assert len(variants) == 1, name  # one fixed text: no variant can drop a number
        if name.startswith("utter_crisis_") or "•" in variants[0]["text"]:
            assert "• Riverside Clinic on-call: call 555-0100" in variants[0]["text"], name


def test_the_generated_domain_has_every_crisis_reply_once(tmp_path: Path) -> None:
    settings = load_settings(environ={"CRISIS_LOCALE": "AU"}, dotenv_path=tmp_path / "none")
    domain = yaml.safe_load(render_domain(settings))
    for category in (*CATEGORIES, HELP):
        variants = domain["responses"][f"utter_crisis_{category}"]
        assert len(variants) == 1 and "000" in variants[0]["text"]


def _write(tmp_path: Path, locale: dict) -> Path:
    path = tmp_path / "lines.yml"
    path.write_text(yaml.safe_dump({"locales": {"XX": locale}}), encoding="utf-8")
    return path


GOOD = {
    "emergency": "112",
    "services": {
        "line": {"name": "A Line", "call": "0800 123", "source": "https://example.org/"},
    },
    "categories": {"default": ["line"]},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"emergency": ""}, "emergency"),
        ({"emergency": "call us"}, "not a phone number"),
        ({"categories": {"suicide": ["line"]}}, "must include 'default'"),
        ({"categories": {"default": ["nope"]}}, "unknown service 'nope'"),
        ({"categories": {"default": ["line"], "weather": ["line"]}}, "unknown category"),
        ({"services": {"line": {"name": "A Line", "call": "0800 123"}}}, "https:// page"),
        (
            {"services": {"line": {"name": "Chat", "chat": "x.org", "source": "https://x.org"}}},
            "phone or text number",
        ),
    ],
)
def test_a_locale_without_what_it_needs_is_refused(
    tmp_path: Path, change: dict, message: str
) -> None:
    with pytest.raises(CrisisLinesError, match=re.escape(message)):
        load_locales(_write(tmp_path, {**GOOD, **change}))


def test_an_unknown_locale_is_named(tmp_path: Path) -> None:
    with pytest.raises(CrisisLinesError, match="CRISIS_LOCALE is 'ZZ'"):
        load_locale("ZZ")


@pytest.mark.parametrize(
    ("response", "error"),
    [("utter_crisis_suicide", CrisisLinesError), ("utter_faq/grief", PsychoeducationError)],
)
def test_a_hand_written_copy_of_a_generated_response_is_refused(
    tmp_path: Path, response: str, error: type[Exception]
) -> None:
    (tmp_path / "domain.yml").write_text(
        yaml.safe_dump({"responses": {response: [{"text": "an old copy"}]}}), encoding="utf-8"
    )
    settings = load_settings(
        environ={"CRISIS_LOCALE": "US"}, dotenv_path=tmp_path / "none", project_root=tmp_path
    )
    with pytest.raises(error, match="must not define"):
        render_domain(settings)
