"""Quick replies and list pickers: Twilio Content API items, created once, reused by SID.

An item holds the type, the language and the choices (titles and payloads); the text that goes
with them is its variable `{{1}}`, so the same buttons serve every message that offers them and
nothing a person wrote is kept on Twilio's side. Items are found again by a hash of what they
hold, in memory and in the database (so across restarts). A refusal (HTTP 400: the content is
not valid for Twilio) is kept too, and those choices go out as numbered text without asking
again; an unreachable or failing API (5xx) is asked again next time.
"""

import asyncio
import hashlib
import json
import logging
import re
import time
from typing import Any

from sqlalchemy.engine import Engine as DatabaseEngine
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from bot.channels.whatsapp.codes import parse_code
from bot.channels.whatsapp.render import MAX_LIST_ITEM_DESCRIPTION, Interactive, shorten
from bot.channels.whatsapp.transport import TwilioUnreachableError
from bot.domain import Locale, WhatsAppContentKind
from bot.locks import TaskLocks
from bot.storage import whatsapp_content
from bot.storage.database import new_session
from bot.storage.models import WhatsAppContent

log = logging.getLogger(__name__)

# The Content API wants an example value for each variable.
SAMPLE_BODY = "Relais"
FRIENDLY_PREFIX = "relais_"
INVALID_CONTENT = 400
# After the Content API could not be reached (a timeout costs seconds), choices go as numbered
# text for this long before it is tried again: replies do not wait on it meanwhile.
UNREACHABLE_PAUSE = 60.0
# Twilio refuses a template variable holding a line break, a tab or more than 4 spaces in a row.
_VARIABLE_BREAK = re.compile(r"\s*[\n\r\t\v\f\u0085\u2028\u2029]\s*")
_VARIABLE_SPACES = re.compile(r"[ \u00a0]{5,}")


def fold_variable(value: str) -> str:
    """Return a variable's value on one line: line breaks and tabs become one space, and no
    more than 4 spaces follow each other, as Twilio's templates want."""
    return _VARIABLE_SPACES.sub(" ", _VARIABLE_BREAK.sub(" ", value.strip()))


def content_definition(interactive: Interactive, language: Locale) -> dict[str, Any]:
    """Return what to create for these choices, in the Content API's JSON shape."""
    if interactive.kind is WhatsAppContentKind.QUICK_REPLY:
        kind: dict[str, Any] = {
            "body": "{{1}}",
            "actions": [
                {"type": "QUICK_REPLY", "title": choice.label, "id": choice.payload}
                for choice in interactive.choices
            ],
        }
    else:
        # Rendered with the reply's language; else each item's label stands for itself.
        descriptions = interactive.descriptions or tuple(
            shorten(choice.label, MAX_LIST_ITEM_DESCRIPTION) for choice in interactive.choices
        )
        kind = {
            "body": "{{1}}",
            "button": interactive.button,
            "items": [
                {"item": title, "id": choice.payload, "description": description}
                for title, choice, description in zip(
                    interactive.titles(), interactive.choices, descriptions, strict=True
                )
            ],
        }
    return {
        "language": language.value,
        "variables": {"1": SAMPLE_BODY},
        "types": {interactive.kind.value: kind},
    }


def content_hash(definition: dict[str, Any]) -> str:
    """Return the key of a content: the same choices give the same key, on every process."""
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class ContentStore:
    """Give the Content SID of a set of choices, creating it on Twilio the first time."""

    def __init__(
        self, database: DatabaseEngine, client: Client, *, pause: float = UNREACHABLE_PAUSE
    ) -> None:
        self._database = database
        self._client = client
        self._pause = pause
        self._paused_until = 0.0
        # hash -> SID, or None for a content Twilio refused.
        self._known: dict[str, str | None] = {}
        self._locks = TaskLocks()

    async def sid_for(self, interactive: Interactive, language: Locale) -> str | None:
        """Return the SID to send these choices with; None: send them as numbered text."""
        definition = content_definition(interactive, language)
        digest = content_hash(definition)
        if digest in self._known:
            return self._known[digest]
        # Two messages offering new buttons at once create them once.
        async with self._locks.hold(digest):
            if digest in self._known:
                return self._known[digest]
            row = await asyncio.to_thread(self._find, digest)
            if row is None and time.monotonic() < self._paused_until:
                return None
            if row is None:
                row = await self._create(digest, definition, interactive.kind, language)
                if row is None:
                    return None
            self._known[digest] = row.content_sid
            return row.content_sid

    async def forget(self, content_sid: str) -> None:
        """Drop a SID Twilio no longer accepts: the next message creates the content again."""
        for digest, sid in list(self._known.items()):
            if sid == content_sid:
                del self._known[digest]
        await asyncio.to_thread(self._forget, content_sid)

    async def _create(
        self,
        digest: str,
        definition: dict[str, Any],
        kind: WhatsAppContentKind,
        language: Locale,
    ) -> WhatsAppContent | None:
        request = ContentList.ContentCreateRequest(
            {**definition, "friendly_name": FRIENDLY_PREFIX + digest[:32]}
        )
        try:
            created = await self._client.content.v1.contents.create_async(request)
        except (TwilioRestException, TwilioServiceException) as error:
            status = parse_code(getattr(error, "status", None)) or 0
            code = parse_code(getattr(error, "code", None))
            message = str(getattr(error, "msg", None) or error)
            if status != INVALID_CONTENT:
                log.warning("Content API error %s (HTTP %s): numbered text this time", code, status)
                return None
            log.info("the Content API refused %s choices (%s): numbered text instead", kind, code)
            refused = f"{code or status}: {message}"
            return await asyncio.to_thread(self._remember, digest, kind, language, None, refused)
        except TwilioUnreachableError as error:
            log.warning("Content API unreachable (%s): numbered text for a while", error)
            self._paused_until = time.monotonic() + self._pause
            return None
        log.info("created the %s content %s", kind, created.sid)
        return await asyncio.to_thread(
            self._remember, digest, kind, language, str(created.sid), None
        )

    def _find(self, digest: str) -> WhatsAppContent | None:
        with new_session(self._database) as session:
            return whatsapp_content.find_content(session, content_hash=digest)

    def _remember(
        self,
        digest: str,
        kind: WhatsAppContentKind,
        language: Locale,
        content_sid: str | None,
        refused: str | None,
    ) -> WhatsAppContent:
        with new_session(self._database) as session:
            row = whatsapp_content.remember_content(
                session,
                content_hash=digest,
                kind=kind,
                language=language.value,
                content_sid=content_sid,
                refused=refused,
            )
            session.commit()
            return row

    def _forget(self, content_sid: str) -> None:
        with new_session(self._database) as session:
            whatsapp_content.forget_content(session, content_sid=content_sid)
            session.commit()
