"""The parsers at the edge, fed anything: they answer or refuse, and never raise otherwise."""

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.bodies import parse_json
from bot.channels.whatsapp.inbound import parse_inbound
from bot.core import payloads
from bot.core.messages import Incoming
from bot.core.turn import Services
from bot.domain import Channel
from bot.text import clean
from nlu import Intent, NluParser
from tests.fuzz.strategies import ANY_CHARACTER, FORGED_PAYLOAD, JSON, PAYLOAD, TEXT, TWILIO_CHANGES
from tests.whatsapp.phone import inbound_form


@given(PAYLOAD)
def test_a_payload_is_read_or_refused(packed: str) -> None:
    parsed = payloads.parse(packed)
    if parsed is not None:
        # What is read is what a button of the bot could carry: it packs back, within limits.
        again = payloads.parse(parsed.pack())
        assert again == parsed
        for value in vars(parsed).values():
            if isinstance(value, int):
                assert abs(value) <= payloads.MAX_INT


@given(FORGED_PAYLOAD)
def test_forged_payloads_never_carry_an_unstorable_number(packed: str) -> None:
    parsed = payloads.parse(packed)
    assert parsed is None or len(parsed.pack().encode()) <= payloads.MAX_BYTES


@given(st.one_of(st.binary(max_size=200), JSON.map(lambda value: json.dumps(value).encode())))
def test_json_bodies_parse_or_raise_value_error(body: bytes) -> None:
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        parse_json(body)


@given(st.integers(1, 5000), st.sampled_from([b"[", b'{"a":', b'[{"b":[']))
def test_deep_json_is_refused_before_recursing(depth: int, opener: bytes) -> None:
    body = opener * depth
    if depth > 20:
        with pytest.raises(ValueError, match="nested deeper"):
            parse_json(body)


@given(TWILIO_CHANGES, st.text(ANY_CHARACTER, max_size=30))
def test_any_twilio_form_is_read_or_refused(changes: dict[str, str], body: str) -> None:
    form = {**inbound_form("+24166123456", body), **changes}
    inbound = parse_inbound(form)
    if inbound is None:
        return
    incoming = inbound.incoming
    assert incoming.sender.startswith("+")
    assert incoming.payload is None or payloads.parse(incoming.payload) is not None
    for value in (incoming.text, incoming.sender, incoming.profile_name or ""):
        value.encode("utf-8")
        assert "\x00" not in value


@given(st.dictionaries(st.text(max_size=12), st.text(ANY_CHARACTER, max_size=12), max_size=6))
def test_a_form_with_none_of_twilio_fields_is_refused(form: dict[str, str]) -> None:
    form.pop("MessageSid", None)
    form.pop("SmsMessageSid", None)
    assert parse_inbound(form) is None


@given(TEXT)
def test_incoming_text_is_always_storable(text: str) -> None:
    incoming = Incoming(channel=Channel.WEB, sender=text, text=text, payload=text)
    for value in (incoming.text, incoming.sender, incoming.payload or ""):
        value.encode("utf-8")
        assert clean(value) == value


@pytest.fixture(scope="module")
def nlu(services: Services) -> NluParser:
    return services.nlu


@given(TEXT)
def test_the_nlu_parses_anything(nlu: NluParser, text: str) -> None:
    result = nlu.parse(text)
    assert result.intent in {intent.value for intent in Intent}
    assert 0.0 <= result.confidence <= 1.0
    for entity in result.entities:
        assert 0 <= entity.start <= entity.end <= len(text)
    shaped: dict[str, Any] = result.to_dict()
    json.dumps(shaped)
