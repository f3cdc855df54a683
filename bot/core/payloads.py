"""Typed button payloads: a prefix and fields packed into a short string.

Telegram caps callback data at 64 bytes, so packing refuses anything longer instead of letting
the provider reject the whole message.
"""

import dataclasses
import types
import typing
from enum import Enum
from typing import Any, ClassVar, Self, cast

MAX_BYTES = 64
SEPARATOR = ":"
# Numbers in payloads are database ids: PostgreSQL's integer column stops here.
MAX_INT = 2**31 - 1


class PayloadError(ValueError):
    """A payload cannot be packed or unpacked."""


_REGISTRY: dict[str, type["Payload"]] = {}


class Payload:
    """Base of every button payload; subclasses are frozen dataclasses with a `prefix`.

    Subclasses must not use `slots=True`: the dataclass would rebuild the class and register
    its prefix a second time.
    """

    prefix: ClassVar[str] = ""
    # An answer to the question being asked (a form's "skip", a yes/no): valid only while that
    # question offers it, never replayed from an old message or forged.
    offered_only: ClassVar[bool] = False

    def __init_subclass__(cls, prefix: str = "", offered_only: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.offered_only = offered_only
        if not prefix or SEPARATOR in prefix:
            msg = f"{cls.__name__} needs a prefix without {SEPARATOR!r}"
            raise TypeError(msg)
        if prefix in _REGISTRY:
            msg = f"payload prefix {prefix!r} is used twice"
            raise TypeError(msg)
        cls.prefix = prefix
        _REGISTRY[prefix] = cls

    def pack(self) -> str:
        """Return the payload as a string of at most 64 bytes."""
        parts = [self.prefix]
        for field in dataclasses.fields(cast(Any, self)):
            value = getattr(self, field.name)
            text = "" if value is None else str(value.value if isinstance(value, Enum) else value)
            if SEPARATOR in text:
                msg = f"{self.prefix}.{field.name} contains {SEPARATOR!r}: {text!r}"
                raise PayloadError(msg)
            parts.append(text)
        packed = SEPARATOR.join(parts)
        if len(packed.encode()) > MAX_BYTES:
            msg = f"payload {packed!r} is longer than {MAX_BYTES} bytes"
            raise PayloadError(msg)
        return packed

    @classmethod
    def unpack(cls, packed: str) -> Self:
        """Rebuild a payload of this class from its packed form."""
        prefix, *values = packed.split(SEPARATOR)
        fields = dataclasses.fields(cast(Any, cls))
        if prefix != cls.prefix or len(values) != len(fields):
            msg = f"{packed!r} is not a {cls.__name__} payload"
            raise PayloadError(msg)
        hints = typing.get_type_hints(cls)
        kwargs = {
            field.name: _convert(value, hints[field.name], packed)
            for field, value in zip(fields, values, strict=True)
        }
        return cls(**kwargs)


def parse(packed: str) -> Payload | None:
    """Unpack any registered payload; None when the string is not one (old or forged)."""
    cls = _REGISTRY.get(packed.split(SEPARATOR, 1)[0])
    if cls is None:
        return None
    try:
        return cls.unpack(packed)
    except PayloadError:
        return None


def _convert(value: str, hint: Any, packed: str) -> Any:
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value == "" and type(None) in options:
        return None
    for option in options:
        if option is type(None):
            continue
        try:
            converted = option(value)
        except (TypeError, ValueError):
            continue
        if isinstance(converted, int) and not -MAX_INT <= converted <= MAX_INT:
            continue
        return converted
    msg = f"{packed!r}: {value!r} is not a valid {hint}"
    raise PayloadError(msg)
