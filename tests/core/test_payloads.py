"""Typed button payloads: round trips and the 64-byte limit."""

from dataclasses import dataclass

import pytest

from bot.core import payloads
from bot.core.actions import (
    Answer,
    DecisionReply,
    FieldValue,
    GuideSection,
    ShowGuide,
    StartPreregistration,
)
from bot.core.payloads import Payload, PayloadError
from bot.domain import OrgType


@pytest.mark.parametrize(
    "payload",
    [
        ShowGuide(OrgType.COOPERATIVE, GuideSection.COSTS),
        StartPreregistration(None),
        StartPreregistration(OrgType.NGO),
        DecisionReply("economic", Answer.YES),
        FieldValue("sector", "agriculture"),
    ],
)
def test_round_trip(payload: Payload) -> None:
    packed = payload.pack()
    assert len(packed.encode()) <= 64
    assert payloads.parse(packed) == payload


def test_too_long_is_refused_loudly() -> None:
    with pytest.raises(PayloadError, match="64 bytes"):
        FieldValue("sector", "é" * 40).pack()


def test_separator_in_a_value_is_refused() -> None:
    with pytest.raises(PayloadError):
        FieldValue("sector", "a:b").pack()


def test_garbage_does_not_parse() -> None:
    assert payloads.parse("guide:spaceship:o") is None
    assert payloads.parse("nothing") is None
    assert payloads.parse("") is None


def test_prefixes_are_unique() -> None:
    with pytest.raises(TypeError, match="used twice"):

        @dataclass(frozen=True)
        class Clash(Payload, prefix="guide"):
            pass
