"""Sending consultations: a test to one contact, the invitation, the one reminder, the results.

Each is a one-off campaign, sent by the same dispatcher as every campaign (batches, rates,
WhatsApp templates outside the 24-hour window, community groups, once per contact).

The API (stable; later versions only add to it):

- `test_consultation(database, id, contact_id, catalogues, tz)` sends the invitation of a
  draft to one contact, who can then answer it as a citizen would (those answers are dropped
  when the consultation is sent).
- `send_consultation(database, id, catalogues, tz)` opens the consultation and queues the
  invitation to its audience; returns the campaign.
- `send_due_reminders(database, catalogues, tz, now)` turns the reminders that are due into
  campaigns to those who neither finished nor stopped, once; the campaign loop calls it.
- `publish_results(database, id, catalogues, tz, texts=None)` stores the results text (if
  given), marks them published and sends them to those who finished.
"""

from collections.abc import Callable
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session, col, select

from bot.campaigns.audience import AudienceError, parse_audience
from bot.campaigns.service import CampaignError, new_campaign
from bot.core import consultation_texts as texts
from bot.core import i18n
from bot.core.i18n import N_, Catalogues, Translator
from bot.domain import ConsultationState, Locale
from bot.errors import ExplainedError
from bot.storage.consultations import questions_of
from bot.storage.database import new_session
from bot.storage.models import (
    Campaign,
    Consultation,
    ConsultationParticipant,
    ConsultationResponse,
)
from bot.storage.types import utcnow

RESULTS = N_("Résultats de la consultation « {title} » :\n{results}\nMerci de votre participation.")


class ConsultationSendError(ExplainedError, ValueError):
    """A consultation that cannot be sent now; the message says why."""


def test_consultation(
    database: DatabaseEngine,
    consultation_id: int,
    contact_id: int,
    catalogues: Catalogues,
    tz: ZoneInfo,
) -> Campaign:
    """Send a draft's invitation to one contact, to try it before it goes out."""
    with new_session(database) as session:
        consultation = _get(session, consultation_id)
        if consultation.state is not ConsultationState.DRAFT:
            raise ConsultationSendError(
                N_("la consultation {id} n'est plus un brouillon : seul un brouillon s'essaie"),
                id=consultation_id,
            )
        campaign = _invitation_campaign(
            session, consultation, catalogues, tz, audience=f"contact={contact_id}", test=True
        )
        session.add(campaign)
        session.flush()
        consultation.test_campaign_id = campaign.id
        consultation.updated_at = utcnow()
        session.add(consultation)
        session.commit()
    return campaign


def send_consultation(
    database: DatabaseEngine,
    consultation_id: int,
    catalogues: Catalogues,
    tz: ZoneInfo,
    *,
    now: datetime | None = None,
) -> Campaign:
    """Open a draft consultation and queue its invitation to the audience."""
    moment = now or utcnow()
    with new_session(database) as session:
        consultation = _get(session, consultation_id)
        if consultation.state is not ConsultationState.DRAFT:
            raise ConsultationSendError(
                N_("la consultation {id} est déjà envoyée"), id=consultation_id
            )
        if consultation.closes_at <= moment:
            raise ConsultationSendError(
                N_("la consultation {id} a fermé le {date}"),
                id=consultation_id,
                date=f"{consultation.closes_at.astimezone(tz):%Y-%m-%d %H:%M}",
            )
        if not questions_of(session, consultation_id):
            raise ConsultationSendError(
                N_("la consultation {id} n'a aucune question"), id=consultation_id
            )
        campaign = _invitation_campaign(
            session, consultation, catalogues, tz, audience=consultation.audience, test=False
        )
        session.add(campaign)
        session.flush()
        # What was answered while trying the draft does not count.
        session.execute(
            sa.delete(ConsultationResponse).where(
                col(ConsultationResponse.consultation_id) == consultation_id
            )
        )
        session.execute(
            sa.delete(ConsultationParticipant).where(
                col(ConsultationParticipant.consultation_id) == consultation_id
            )
        )
        consultation.state = ConsultationState.OPEN
        consultation.opens_at = min(consultation.opens_at, moment)
        consultation.campaign_id = campaign.id
        consultation.updated_at = moment
        session.add(consultation)
        session.commit()
    return campaign


def send_due_reminders(
    database: DatabaseEngine, catalogues: Catalogues, tz: ZoneInfo, now: datetime
) -> list[int]:
    """Turn the consultations' due reminders into campaigns, once each; return their ids.

    The reminder is claimed and its campaign written in one transaction: of several processes
    looking at once, one sends it and the others find it done. A reminder found due after
    the closing date (the server was down) is dropped.
    """
    created = []
    with new_session(database) as session:
        due = session.exec(
            select(Consultation.id).where(
                col(Consultation.state) == ConsultationState.OPEN,
                col(Consultation.reminder_done_at).is_(None),
                col(Consultation.reminder_at) <= now,
            )
        ).all()
    for consultation_id in due:
        with new_session(database) as session:
            claimed = session.execute(
                sa.update(Consultation)
                .where(
                    col(Consultation.id) == consultation_id,
                    col(Consultation.reminder_done_at).is_(None),
                )
                .values(reminder_done_at=now)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                continue
            consultation = _get(session, consultation_id or 0)
            if now >= consultation.closes_at:
                session.commit()
                continue
            messages = _messages(
                catalogues,
                consultation,
                partial(texts.reminder, consultation),
                session=session,
            )
            campaign = new_campaign(
                name=f"consultation {consultation_id} reminder",
                messages=messages,
                templates=consultation.templates,
                tz=tz,
                audience=f"{consultation.audience} unanswered={consultation_id}",
                now=now,
            )
            session.add(campaign)
            session.flush()
            consultation.reminder_campaign_id = campaign.id
            session.add(consultation)
            session.commit()
            created.append(campaign.id or 0)
    return created


def publish_results(
    database: DatabaseEngine,
    consultation_id: int,
    catalogues: Catalogues,
    tz: ZoneInfo,
    texts_by_locale: dict[str, str] | None = None,
) -> Campaign:
    """Publish the results: shown at the end from now on, and sent to those who finished."""
    with new_session(database) as session:
        consultation = _get(session, consultation_id)
        if texts_by_locale:
            consultation.results = {k: v.strip() for k, v in texts_by_locale.items() if v.strip()}
        if not consultation.results.get(Locale.FR.value):
            raise ConsultationSendError(
                N_("la consultation {id} n'a pas de résultats en français à publier"),
                id=consultation_id,
            )
        now = utcnow()
        consultation.results_published_at = now
        consultation.updated_at = now
        messages = {}
        for locale in Locale:
            if locale is not Locale.FR and not (
                consultation.results.get(locale.value) and consultation.title.get(locale.value)
            ):
                continue
            with i18n.using(catalogues.translator(locale)) as translator:
                messages[locale.value] = translator.gettext(RESULTS).format(
                    title=texts.pick(consultation.title, locale),
                    results=texts.pick(consultation.results, locale),
                )
        campaign = new_campaign(
            name=f"consultation {consultation_id} results",
            messages=messages,
            templates=consultation.templates,
            tz=tz,
            audience=f"answered={consultation_id}",
            now=now,
        )
        session.add(campaign)
        session.add(consultation)
        session.commit()
    return campaign


def _invitation_campaign(
    session: Session,
    consultation: Consultation,
    catalogues: Catalogues,
    tz: ZoneInfo,
    *,
    audience: str,
    test: bool,
) -> Campaign:
    try:
        parse_audience(audience)
    except AudienceError as error:
        raise ConsultationSendError.saying(error.explanation) from error
    questions = questions_of(session, consultation.id or 0)
    messages = _messages(
        catalogues,
        consultation,
        lambda locale, translator: texts.invitation(consultation, questions, locale, translator),
        session=session,
    )
    label = "test" if test else "invitation"
    try:
        return new_campaign(
            name=f"consultation {consultation.id} {label}",
            messages=messages,
            templates=consultation.templates,
            tz=tz,
            audience=audience,
        )
    except CampaignError as error:
        raise ConsultationSendError.saying(error.explanation) from error


def _messages(
    catalogues: Catalogues,
    consultation: Consultation,
    write: Callable[[Locale, Translator], str],
    *,
    session: Session,
) -> dict[str, str]:
    """Write a message in each language the whole consultation exists in (French always)."""
    questions = questions_of(session, consultation.id or 0)
    messages = {}
    for locale in Locale:
        if texts.consultation_locale(consultation, questions, locale.value) is not locale:
            continue
        with i18n.using(catalogues.translator(locale)) as translator:
            messages[locale.value] = write(locale, translator)
    return messages


def _get(session: Session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise ConsultationSendError(N_("pas de consultation {id}"), id=consultation_id)
    assert isinstance(consultation, Consultation)
    return consultation
