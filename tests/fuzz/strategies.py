"""Hostile input: text no keyboard types, JSON of any shape, forged payloads, odd forms."""

import itertools
import string
from typing import Any

from hypothesis import strategies as st

from bot.core import payloads

# Every code point, lone surrogates and controls included.
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
NASTY = st.sampled_from(
    [
        "\ud800",
        "a\udfffb",
        "\x00",
        "fr\x00",
        "Awa\x00",
        "\u202e\u200fمرحبا\u200e",
        "\u200b\u200d\ufeff",
        "👩🏽‍💻🇬🇦",
        "\r\n\t",
        "=cmd|' /C calc'!A0",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "%s%s%n",
        "{0}{name}",
        "1" * 40,
        "-99999999999999999999",
    ]
)
HUGE = st.builds(
    lambda piece, times: piece * times, st.text(min_size=1, max_size=4), st.integers(1_000, 30_000)
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(ANY_CHARACTER, max_size=40),
    NASTY,
    st.lists(NASTY | st.text(max_size=8), max_size=5).map("".join),
    HUGE,
)
WORDS = st.sampled_from(
    [
        "bonjour",
        "menu",
        "annuler",
        "aide",
        "langue",
        "stop",
        "oui",
        "non",
        "1",
        "2",
        "4",
        "cmt créer 1 asso stp",
        "je veux pré-inscrire mon asso",
        "abonnez-moi",
        "supprimer mes données",
        "parler à une personne",
        "prochaines formations",
        "english",
        "العربية",
    ]
)
PREFIXES = sorted(payloads._REGISTRY)
FIELD = st.one_of(
    st.text(string.ascii_lowercase + "_", max_size=12),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", "0", "-1", "2147483648", "99999999999999999999", "nan", "1e9"]),
    st.text(ANY_CHARACTER, max_size=6),
)
FORGED_PAYLOAD = st.builds(
    lambda prefix, fields: ":".join([prefix, *fields]),
    st.sampled_from(PREFIXES),
    st.lists(FIELD, max_size=4),
)
PAYLOAD = st.one_of(FORGED_PAYLOAD, st.text(max_size=70), st.text(ANY_CHARACTER, max_size=20))

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**70, -(2**63), 2**64, 1e20, -1e308]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)

_update_ids = itertools.count(900_000_000)


def next_update_id() -> int:
    """Return a fresh update id, so that no example is mistaken for a retry of another."""
    return next(_update_ids)


def _maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The right value most of the time, anything JSON at other times."""
    return st.one_of(good, good, JSON)


CHAT_ID = st.one_of(
    st.integers(1, 2**40), st.integers(-(10**13), -1), st.sampled_from([10**70, 0, -(2**63)])
)
USER = st.fixed_dictionaries(
    {"id": _maybe(CHAT_ID), "is_bot": _maybe(st.booleans()), "first_name": _maybe(TEXT)},
    optional={
        "last_name": _maybe(TEXT),
        "username": _maybe(st.text(max_size=10)),
        "language_code": _maybe(st.sampled_from(["fr", "en", "ar", "xx", "fr\x00", ""])),
    },
)
CHAT = st.fixed_dictionaries(
    {
        "id": _maybe(CHAT_ID),
        "type": _maybe(st.sampled_from(["private", "group", "supergroup", "channel", "other"])),
    },
    optional={"title": _maybe(TEXT), "first_name": _maybe(TEXT)},
)
ENTITY = st.fixed_dictionaries(
    {
        "type": _maybe(st.sampled_from(["bot_command", "mention", "bold", "text_mention"])),
        "offset": _maybe(st.integers(-5, 10_000)),
        "length": _maybe(st.integers(-5, 10_000)),
    },
    optional={"user": USER},
)
COMMANDS = st.sampled_from(
    ["/start", "/start preinscription", "/menu", "/aide", "/annuler", "/stop", "/langue", "/x"]
)


def _message(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    optional: dict[str, st.SearchStrategy[Any]] = {
        "text": _maybe(st.one_of(TEXT, WORDS, COMMANDS)),
        "caption": _maybe(TEXT),
        "entities": _maybe(st.lists(ENTITY, max_size=3)),
        "new_chat_members": _maybe(st.lists(USER, max_size=2)),
        "left_chat_member": _maybe(USER),
        "migrate_to_chat_id": _maybe(CHAT_ID),
        "message_thread_id": _maybe(st.integers(0, 2**40)),
        "is_topic_message": _maybe(st.booleans()),
    }
    if depth > 0:
        optional["reply_to_message"] = _message(depth - 1)
    return st.fixed_dictionaries(
        {
            "message_id": _maybe(st.integers(1, 2**40)),
            "date": _maybe(st.one_of(st.integers(0, 2**33), st.sampled_from([10**20, -1]))),
            "chat": _maybe(CHAT),
        },
        optional={"from": _maybe(USER), **optional},
    )


MESSAGE = _message(2)
MEMBER = st.fixed_dictionaries(
    {
        "status": _maybe(
            st.sampled_from(["member", "administrator", "kicked", "left", "restricted", "owner"])
        ),
        "user": _maybe(USER),
    },
    optional={"is_member": _maybe(st.booleans()), "until_date": _maybe(st.integers())},
)
CALLBACK_QUERY = st.fixed_dictionaries(
    {"id": _maybe(st.text(max_size=10)), "from": _maybe(USER)},
    optional={
        "data": st.one_of(PAYLOAD, JSON, st.integers()),
        "message": _maybe(MESSAGE),
        "chat_instance": _maybe(st.text(max_size=10)),
    },
)
MY_CHAT_MEMBER = st.fixed_dictionaries(
    {"chat": _maybe(CHAT), "from": _maybe(USER), "date": _maybe(st.integers(0, 2**33))},
    optional={"old_chat_member": _maybe(MEMBER), "new_chat_member": _maybe(MEMBER)},
)
UPDATE_PARTS = st.fixed_dictionaries(
    {},
    optional={
        "message": _maybe(MESSAGE),
        "edited_message": _maybe(MESSAGE),
        "callback_query": _maybe(CALLBACK_QUERY),
        "my_chat_member": _maybe(MY_CHAT_MEMBER),
        "unknown_field": JSON,
    },
)


def telegram_update(parts: dict[str, Any]) -> dict[str, Any]:
    """Return an update of the drawn parts under a fresh id."""
    return {"update_id": next_update_id(), **parts}


TWILIO_FIELDS = st.sampled_from(
    [
        "Body",
        "ButtonPayload",
        "ButtonText",
        "ProfileName",
        "WaId",
        "From",
        "NumMedia",
        "Latitude",
        "Longitude",
        "MediaUrl0",
        "MessageType",
        "SmsMessageSid",
        "Unknown",
    ]
)
FORM_VALUE = st.one_of(
    TEXT.filter(lambda text: len(text) < 2000),
    WORDS,
    FORGED_PAYLOAD,
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["", "whatsapp:", "whatsapp:+", "whatsapp:+24166000000", "+0", "12ab"]),
)
TWILIO_CHANGES = st.dictionaries(TWILIO_FIELDS, FORM_VALUE, max_size=5)
