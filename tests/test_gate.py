"""The channel gate and the parsers of what people type, on any input at all.

Property-based (Hypothesis): whatever text arrives, the gate either refuses it
with a reason or passes on text that can be encoded, stored and matched; the
parsers of dates, moods, pairing codes and entry references answer or say
"not that" and never raise.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels import gate
from bot.crisis.normalize import normalize
from bot.journal.mood import read_mood
from bot.journal.reminders import read_time_of_day
from bot.journal.when import read_when
from bot.storage.clients import CODE_ALPHABET, normalise_code

# Every code point, lone surrogates included (what a JSON "\ud800" decodes to).
ANY_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=300)
FEW = settings(max_examples=300, deadline=None)


def test_lone_surrogates_become_replacement_characters() -> None:
    assert gate.message_text("hi \ud800 there") == "hi \ufffd there"
    assert gate.message_text("\udfff") == "\ufffd"


def test_invisible_and_control_characters_are_dropped_and_lines_kept() -> None:
    assert gate.message_text("su\u200bici\u200dde") == "suicide"
    assert gate.message_text("\u202eevil\u202c text\x00\x07") == "evil text"
    assert gate.message_text("line one\r\nline two\rthree\ttab") == "line one\nline two\nthree\ttab"
    # Emoji and other scripts are a person's words: kept.
    assert gate.message_text("😢 مرحبا 你好") == "😢 مرحبا 你好"


@pytest.mark.parametrize("value", [None, 7, 1.5, True, ["hi"], {"text": "hi"}])
def test_a_message_that_is_not_a_string_is_refused(value: object) -> None:
    with pytest.raises(gate.Refused, match="must be a string"):
        gate.message_text(value)


@pytest.mark.parametrize("value", ["", "   ", "\u200b", "\x00\x01", "\n\t"])
def test_a_message_with_nothing_in_it_is_refused(value: str) -> None:
    with pytest.raises(gate.Refused, match="empty"):
        gate.message_text(value)


def test_a_message_over_the_limit_is_refused_not_cut() -> None:
    assert gate.message_text("a" * gate.MAX_MESSAGE_CHARS) == "a" * gate.MAX_MESSAGE_CHARS
    with pytest.raises(gate.Refused) as refused:
        gate.message_text("a" * 100_000)
    assert "longer than" in str(refused.value)
    assert "send it in parts" in refused.value.for_person


@pytest.mark.parametrize(
    "value",
    [None, "", 42, ["a"], "a" * (gate.MAX_SENDER_CHARS + 1), "has space", "x\ud800", "\x00"],
)
def test_a_sender_id_must_be_a_short_printable_string(value: object) -> None:
    with pytest.raises(gate.Refused, match="sender"):
        gate.sender_id(value)


def test_ordinary_sender_ids_pass_unchanged() -> None:
    for sender in ("client-7", "a" * gate.MAX_SENDER_CHARS, "Zoë_1", "user@clinic.example"):
        assert gate.sender_id(sender) == sender


def test_metadata_is_an_object_and_its_strings_are_cleaned() -> None:
    assert gate.metadata(None) == {}
    assert gate.metadata({"a\ud800": ["x\u200by", 1, {"b": "\ud801"}]}) == {
        "a\ufffd": ["xy", 1, {"b": "\ufffd"}]
    }
    for value in ("text", ["a"], 3):
        with pytest.raises(gate.Refused, match="metadata"):
            gate.metadata(value)


@FEW
@given(ANY_TEXT)
def test_whatever_arrives_the_gate_refuses_it_or_passes_storable_text(text: str) -> None:
    try:
        cleaned = gate.message_text(text)
    except gate.Refused as refused:
        assert str(refused) and refused.for_person
        return
    cleaned.encode("utf-8")  # never raises: no surrogate is left
    assert cleaned.strip() and len(cleaned) <= len(text)
    assert all(ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs"} for ch in cleaned)
    assert gate.clean_text(cleaned) == cleaned
    # The crisis normaliser takes whatever the gate passes on.
    normalize(cleaned).encode("utf-8")


@FEW
@given(ANY_TEXT)
def test_whatever_the_sender_the_gate_refuses_it_or_it_can_be_stored(value: str) -> None:
    try:
        sender = gate.sender_id(value)
    except gate.Refused:
        return
    assert sender.encode("utf-8") and len(sender) <= gate.MAX_SENDER_CHARS


@FEW
@given(ANY_TEXT.map(gate.clean_text), st.dates(date(2000, 1, 1), date(2100, 12, 31)))
def test_reading_a_date_never_raises(text: str, today: date) -> None:
    reading = read_when(text, today)
    assert reading.day is None or isinstance(reading.day, date)


@FEW
@given(ANY_TEXT.map(gate.clean_text), st.booleans())
def test_reading_a_mood_gives_0_to_10_or_a_reason(text: str, whole_answer: bool) -> None:
    reading = read_mood(text, whole_answer)
    assert (reading.value is None) != (reading.problem is None)
    assert reading.value is None or 0 <= reading.value <= 10


@FEW
@given(ANY_TEXT.map(gate.clean_text))
def test_reading_a_time_of_day_never_raises(text: str) -> None:
    read_time_of_day(text)


@FEW
@given(ANY_TEXT | st.from_regex(r"[2-9A-Za-z]{3}[- ]?[2-9A-Za-z]{3}", fullmatch=True))
def test_a_pairing_code_is_six_letters_and_digits_or_none(text: str) -> None:
    code = normalise_code(text)
    assert code is None or (len(code) == 6 and set(code) <= set(CODE_ALPHABET))


@FEW
@given(ANY_TEXT | st.from_regex(r"(change|delete|show) E-?[2-9A-Za-z]{6}\.?", fullmatch=True))
def test_an_entry_reference_is_read_or_none(text: str) -> None:
    from actions.review import reference_in

    reference = reference_in(text)
    assert reference is None or (reference.startswith("E-") and len(reference) == 8)


@pytest.mark.parametrize(
    "body",
    [b"40", b'42["session_request",{}]', b'42["user_uttered",{"message":"\\ud800"}]', b"3",
     b'421["user_uttered",{}]', b'42/chat,["x"]', b"41", b'40{"token":"x"}\x1e42["a"]'],
)  # fmt: skip
def test_socket_io_packets_python_socketio_can_take_pass(body: bytes) -> None:
    assert gate.engineio_body_problem(body) is None


@pytest.mark.parametrize(
    "body",
    [b"", b"2", b"0", b"4", b"9", b"42", b"43", b"42[", b"42null", b'42[1]', b"40{bad", b"\xff\xfe",
     b"\x1e\x1e", b'451-["x",{"_placeholder":true,"num":0}]', b"40\x1e"],
)  # fmt: skip
def test_socket_io_packets_that_would_break_its_parser_are_refused(body: bytes) -> None:
    assert gate.engineio_body_problem(body)
