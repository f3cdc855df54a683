"""Reading Telegram updates leniently: fields of the wrong type fixed or dropped, before PTB.

Telegram's JSON is well formed, but a proxy, an old client or a forger can send numbers where
strings go, objects without their required parts, entities pointing past the text. PTB reads
such an update without complaint and a handler fails later on it. The parts the handlers use
are checked here against the Bot API's types: a wrong scalar is converted when that is safe
(a number as callback data or as a name becomes its text), dropped when the field is optional,
and an object missing a required part is dropped with it. Fields the bot does not read pass
through untouched.
"""

import functools
import inspect
from collections.abc import Callable
from typing import Any

from telegram import (
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
)

from bot.text import clean

# Unix time that datetime accepts on every platform (until 2106).
_MAX_DATE = 2**32 - 1
# The parts of an update the bot asks Telegram for (adapter.ALLOWED_UPDATES).
_MESSAGE_PARTS = ("message", "edited_message")

Fixer = Callable[[Any, list[str], str], Any]
_MISSING = object()


class UnreadableUpdate(ValueError):
    """A message or a button press without what identifies it (its chat, its sender)."""


def tidy_update(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Return the update with its readable parts only, and what was fixed (empty: nothing).

    A message or button press that cannot be read raises UnreadableUpdate: answering it is
    impossible, and Telegram must be told (400). A membership change without its members is
    dropped: there is nothing to answer, and nothing to change.
    """
    fixes: list[str] = []
    tidy = dict(data)
    for name in _MESSAGE_PARTS:
        _tidy_part(tidy, name, _message, fixes, refuse=True)
    _tidy_part(tidy, "callback_query", _callback_query, fixes, refuse=True)
    _tidy_part(tidy, "my_chat_member", _member_update, fixes, refuse=False)
    return tidy, fixes


def _tidy_part(
    holder: dict[str, Any], name: str, fixer: Fixer, fixes: list[str], *, refuse: bool
) -> None:
    if name not in holder:
        return
    value = fixer(holder[name], fixes, name)
    if value is _MISSING and refuse:
        raise UnreadableUpdate("; ".join([*fixes, f"{name} unreadable"]))
    if value is _MISSING:
        del holder[name]
        fixes.append(f"{name} dropped")
    else:
        holder[name] = value


def _object(
    value: Any,
    fixes: list[str],
    where: str,
    *,
    required: dict[str, Fixer],
    optional: dict[str, Fixer] | None = None,
) -> Any:
    """Check an object's fields; _MISSING when it is no object or lacks a required field."""
    if not isinstance(value, dict):
        return _MISSING
    tidy = dict(value)
    for name, fixer in required.items():
        fixed = fixer(tidy.get(name), fixes, f"{where}.{name}")
        if fixed is _MISSING:
            fixes.append(f"{where}.{name} missing")
            return _MISSING
        tidy[name] = fixed
    for name, fixer in (optional or {}).items():
        if name in tidy:
            fixed = fixer(tidy[name], fixes, f"{where}.{name}")
            if fixed is _MISSING:
                del tidy[name]
                fixes.append(f"{where}.{name} dropped")
            else:
                tidy[name] = fixed
    return tidy


def _string(value: Any, fixes: list[str], where: str) -> Any:
    if isinstance(value, str):
        cleaned = clean(value)
        if cleaned != value:
            fixes.append(f"{where} cleaned")
        return cleaned
    if isinstance(value, bool | int | float):
        fixes.append(f"{where} read as text")
        return str(value)
    return _MISSING


def _integer(value: Any, fixes: list[str], where: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal() and len(value) < 30:
        fixes.append(f"{where} read as a number")
        return int(value)
    return _MISSING


def _identifier(value: Any, fixes: list[str], where: str) -> Any:
    """A chat's or a person's id: Telegram's fit in a signed 64-bit integer, others are forged."""
    number = _integer(value, fixes, where)
    if number is _MISSING or not -(2**63) <= number < 2**63:
        return _MISSING
    return number


def _date(value: Any, fixes: list[str], where: str) -> Any:
    number = _integer(value, fixes, where)
    if number is _MISSING:
        return _MISSING
    if not 0 <= number <= _MAX_DATE:
        fixes.append(f"{where} out of range")
        return 0 if number < 0 else _MAX_DATE
    return number


def _boolean(value: Any, fixes: list[str], where: str) -> Any:
    return value if isinstance(value, bool) else _MISSING


def _some_boolean(value: Any, fixes: list[str], where: str) -> Any:
    """A required flag: anything but a boolean reads as false."""
    if isinstance(value, bool):
        return value
    fixes.append(f"{where} read as false")
    return False


def _list_of(fixer: Fixer) -> Fixer:
    def tidy(value: Any, fixes: list[str], where: str) -> Any:
        if not isinstance(value, list):
            return _MISSING
        items = [fixer(item, fixes, where) for item in value]
        kept = [item for item in items if item is not _MISSING]
        if len(kept) < len(items):
            fixes.append(f"{where}: {len(items) - len(kept)} dropped")
        return kept

    return tidy


def _user(value: Any, fixes: list[str], where: str) -> Any:
    return _object(
        value,
        fixes,
        where,
        required={"id": _identifier, "is_bot": _some_boolean, "first_name": _name},
        optional={"last_name": _string, "username": _string, "language_code": _string},
    )


def _name(value: Any, fixes: list[str], where: str) -> Any:
    """A required name: one that cannot be read is empty rather than the whole update lost."""
    name = _string(value, fixes, where)
    if name is _MISSING:
        fixes.append(f"{where} emptied")
        return ""
    return name


def _chat(value: Any, fixes: list[str], where: str) -> Any:
    return _object(
        value,
        fixes,
        where,
        required={"id": _identifier, "type": _string},
        optional={
            "title": _string,
            "first_name": _string,
            "last_name": _string,
            "username": _string,
            "is_forum": _boolean,
        },
    )


def _entity(value: Any, fixes: list[str], where: str) -> Any:
    return _object(
        value,
        fixes,
        where,
        required={"type": _string, "offset": _integer, "length": _integer},
        optional={"user": _user, "url": _string},
    )


def _message(value: Any, fixes: list[str], where: str, depth: int = 0) -> Any:
    optional: dict[str, Fixer] = {
        "from": _user,
        "sender_chat": _chat,
        "text": _string,
        "caption": _string,
        "entities": _list_of(_entity),
        "caption_entities": _list_of(_entity),
        "new_chat_members": _list_of(_user),
        "left_chat_member": _user,
        "migrate_to_chat_id": _identifier,
        "migrate_from_chat_id": _identifier,
        "message_thread_id": _integer,
        "is_topic_message": _boolean,
    }
    if depth == 0:
        # Telegram nests one message in another once, never deeper.
        optional["reply_to_message"] = lambda inner, fixes, where: _message(
            inner, fixes, where, depth + 1
        )
    else:
        optional["reply_to_message"] = lambda inner, fixes, where: _MISSING
    message = _object(
        value,
        fixes,
        where,
        required={"message_id": _integer, "date": _date, "chat": _chat},
        optional=optional,
    )
    if message is _MISSING:
        return _MISSING
    for text_key, entities_key in (("text", "entities"), ("caption", "caption_entities")):
        _keep_entities_inside(message, text_key, entities_key, fixes, where)
    return message


def _keep_entities_inside(
    message: dict[str, Any], text_key: str, entities_key: str, fixes: list[str], where: str
) -> None:
    """Drop the entities that do not fit in their text (offsets count UTF-16 code units)."""
    entities = message.get(entities_key)
    if not entities:
        return
    size = len(message.get(text_key, "").encode("utf-16-le")) // 2
    inside = [
        entity
        for entity in entities
        if entity["offset"] >= 0
        and entity["length"] > 0
        and entity["offset"] + entity["length"] <= size
    ]
    if len(inside) < len(entities):
        fixes.append(f"{where}.{entities_key}: {len(entities) - len(inside)} out of the text")
        message[entities_key] = inside


def _callback_query(value: Any, fixes: list[str], where: str) -> Any:
    return _object(
        value,
        fixes,
        where,
        required={"id": _string, "from": _user, "chat_instance": _chat_instance},
        optional={
            "message": _message,
            "data": _string,
            "inline_message_id": _string,
            "game_short_name": _string,
        },
    )


def _chat_instance(value: Any, fixes: list[str], where: str) -> Any:
    text = _string(value, fixes, where)
    return "" if text is _MISSING else text


def _member(value: Any, fixes: list[str], where: str) -> Any:
    member = _object(
        value,
        fixes,
        where,
        required={"status": _string, "user": _user},
        optional={"is_member": _boolean, "until_date": _date},
    )
    if member is _MISSING:
        return _MISSING
    # Each status has its own required flags (an administrator's rights, a restriction's
    # end): those missing read as "no right" and "no end", which is all the bot needs.
    for name in _required_fields(member["status"]):
        if name not in member:
            member[name] = 0 if name == "until_date" else False
            fixes.append(f"{where}.{name} missing")
    return member


@functools.cache
def _required_fields(status: str) -> tuple[str, ...]:
    kind = _MEMBER_KINDS.get(status)
    if kind is None:
        return ()
    parameters = inspect.signature(kind.__init__).parameters.values()
    return tuple(
        parameter.name
        for parameter in parameters
        if parameter.default is inspect.Parameter.empty
        and parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        and parameter.name not in ("self", "user", "status")
    )


_MEMBER_KINDS: dict[str, type[ChatMember]] = {
    ChatMember.OWNER: ChatMemberOwner,
    ChatMember.ADMINISTRATOR: ChatMemberAdministrator,
    ChatMember.MEMBER: ChatMemberMember,
    ChatMember.RESTRICTED: ChatMemberRestricted,
    ChatMember.LEFT: ChatMemberLeft,
    ChatMember.BANNED: ChatMemberBanned,
}


def _member_update(value: Any, fixes: list[str], where: str) -> Any:
    return _object(
        value,
        fixes,
        where,
        required={
            "chat": _chat,
            "from": _user,
            "date": _date,
            "old_chat_member": _member,
            "new_chat_member": _member,
        },
    )
