"""Consultation answers as they come in: who may answer, one answer set each, kept as typed.

Answers are written one by one as the person gives them, so that stopping half-way and
coming back days later resumes where they left, and staff see answers coming in. An
anonymous consultation keeps its answer sets without the contact: the set is found again
through `respondent_key`, a keyed hash of the consultation and the contact, which is also
what keeps one set per person.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain import ConsultationState, ContactKind
from bot.storage.models import (
    CampaignRun,
    Consultation,
    ConsultationAnswer,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationResponse,
    Contact,
    OutboxItem,
)
from bot.storage.types import utcnow
from bot.storage.upsert import insert_ignoring_conflicts


@dataclass(frozen=True, slots=True)
class AnswerValue:
    """What a person answered to one question (or one part of a comment question)."""

    choices: tuple[str, ...] = ()
    number: int | None = None
    text: str | None = None
    skipped: bool = False


def respondent_key(secret: bytes, consultation_id: int, identity: str) -> str:
    """Return the keyed hash standing for one person (`identity`) in one consultation.

    The identity names the contact as it is now (channel, address, creation time): a person
    who deleted their data and writes again is a new contact, not the holder of old answers.
    """
    message = f"consultation:{consultation_id}:{identity}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def questions_of(session: Session, consultation_id: int) -> list[ConsultationQuestion]:
    """Return the questions of a consultation in the order they are asked."""
    return list(
        session.exec(
            select(ConsultationQuestion)
            .where(ConsultationQuestion.consultation_id == consultation_id)
            .order_by(col(ConsultationQuestion.position))
        ).all()
    )


def is_answerable(consultation: Consultation, now: datetime, *, testing: bool = False) -> bool:
    """Tell whether answers are taken now (a draft only from the contact it was tried on)."""
    if consultation.state is ConsultationState.DRAFT:
        return testing
    return (
        consultation.state is ConsultationState.OPEN
        and consultation.opens_at <= now < consultation.closes_at
    )


def was_invited(session: Session, consultation: Consultation, contact_id: int) -> bool:
    """Tell whether the contact was sent the invitation (or its test), or it went to groups."""
    campaigns = [c for c in (consultation.campaign_id, consultation.test_campaign_id) if c]
    if campaigns:
        received = session.exec(
            select(OutboxItem.id)
            .join(CampaignRun, col(CampaignRun.id) == col(OutboxItem.run_id))
            .where(
                col(CampaignRun.campaign_id).in_(campaigns),
                OutboxItem.contact_id == contact_id,
            )
            .limit(1)
        ).first()
        if received is not None:
            return True
    # An invitation posted in a community group asks its members to write in private.
    return consultation.state is ConsultationState.OPEN and "groups" in consultation.audience


def tested_by(session: Session, consultation: Consultation, contact_id: int) -> bool:
    """Tell whether the contact received the test invitation of a draft."""
    if consultation.test_campaign_id is None:
        return False
    return (
        session.exec(
            select(OutboxItem.id)
            .join(CampaignRun, col(CampaignRun.id) == col(OutboxItem.run_id))
            .where(
                CampaignRun.campaign_id == consultation.test_campaign_id,
                OutboxItem.contact_id == contact_id,
            )
            .limit(1)
        ).first()
        is not None
    )


def consultations_for(session: Session, contact: Contact, now: datetime) -> list[Consultation]:
    """Return the consultations a person may answer now, not yet finished, newest first."""
    if contact.kind is not ContactKind.PERSON or contact.id is None:
        return []
    finished = select(ConsultationParticipant.consultation_id).where(
        ConsultationParticipant.contact_id == contact.id,
        col(ConsultationParticipant.finished_at).is_not(None),
    )
    candidates = session.exec(
        select(Consultation)
        .where(
            col(Consultation.state).in_([ConsultationState.OPEN, ConsultationState.DRAFT]),
            col(Consultation.id).not_in(finished),
        )
        .order_by(col(Consultation.id).desc())
    ).all()
    reachable = []
    for consultation in candidates:
        testing = tested_by(session, consultation, contact.id)
        if is_answerable(consultation, now, testing=testing) and (
            testing or was_invited(session, consultation, contact.id)
        ):
            reachable.append(consultation)
    return reachable


def participant(
    session: Session, consultation_id: int, contact_id: int
) -> ConsultationParticipant | None:
    """Return a contact's participation in a consultation, if they started it."""
    return session.exec(
        select(ConsultationParticipant).where(
            ConsultationParticipant.consultation_id == consultation_id,
            ConsultationParticipant.contact_id == contact_id,
        )
    ).first()


def open_response(
    session: Session,
    consultation: Consultation,
    contact: Contact,
    *,
    key: str,
    locale: str,
) -> ConsultationResponse:
    """Return the contact's answer set, starting it (and the participation) the first time."""
    assert consultation.id is not None and contact.id is not None
    now = utcnow()
    insert_ignoring_conflicts(
        session,
        ConsultationParticipant,
        {"consultation_id": consultation.id, "contact_id": contact.id, "started_at": now},
    )
    insert_ignoring_conflicts(
        session,
        ConsultationResponse,
        {
            "consultation_id": consultation.id,
            "respondent_key": key,
            "contact_id": None if consultation.anonymous else contact.id,
            "channel": contact.channel,
            "province": contact.province,
            "locale": locale,
            "started_at": now,
            "updated_at": now,
        },
    )
    response = session.exec(
        select(ConsultationResponse).where(
            ConsultationResponse.consultation_id == consultation.id,
            ConsultationResponse.respondent_key == key,
        )
    ).one()
    # Coming back after "stop" takes the consultation up again.
    session.execute(
        sa.update(ConsultationParticipant)
        .where(
            col(ConsultationParticipant.consultation_id) == consultation.id,
            col(ConsultationParticipant.contact_id) == contact.id,
        )
        .values(stopped_at=None)
    )
    return response


def find_response(session: Session, consultation_id: int, key: str) -> ConsultationResponse | None:
    """Return the answer set of a respondent key, if any."""
    return session.exec(
        select(ConsultationResponse).where(
            ConsultationResponse.consultation_id == consultation_id,
            ConsultationResponse.respondent_key == key,
        )
    ).first()


def record_answer(
    session: Session, *, response_id: int, question_id: int, part: int, value: AnswerValue
) -> None:
    """Write (or overwrite) the answer to one question or one part."""
    now = utcnow()
    existing = session.exec(
        select(ConsultationAnswer).where(
            ConsultationAnswer.response_id == response_id,
            ConsultationAnswer.question_id == question_id,
            ConsultationAnswer.part == part,
        )
    ).first()
    answer = existing or ConsultationAnswer(
        response_id=response_id, question_id=question_id, part=part, created_at=now
    )
    answer.choices = list(value.choices)
    answer.number = value.number
    answer.text = value.text
    answer.skipped = value.skipped
    answer.updated_at = now
    session.add(answer)
    session.execute(
        sa.update(ConsultationResponse)
        .where(col(ConsultationResponse.id) == response_id)
        .values(updated_at=now)
    )
    session.flush()


def answers_of(session: Session, response_id: int) -> dict[tuple[int, int], ConsultationAnswer]:
    """Return a set's answers by (question id, part)."""
    rows = session.exec(
        select(ConsultationAnswer).where(ConsultationAnswer.response_id == response_id)
    ).all()
    return {(row.question_id, row.part): row for row in rows}


def finish(session: Session, response: ConsultationResponse, contact_id: int) -> None:
    """Mark an answer set complete, and the contact as done with the consultation."""
    now = utcnow()
    response.finished_at = response.finished_at or now
    response.updated_at = now
    session.add(response)
    session.execute(
        sa.update(ConsultationParticipant)
        .where(
            col(ConsultationParticipant.consultation_id) == response.consultation_id,
            col(ConsultationParticipant.contact_id) == contact_id,
        )
        .values(finished_at=now, stopped_at=None)
    )


def stop(session: Session, consultation_id: int, contact_id: int) -> None:
    """Note that the contact stopped: no reminder, answers so far kept for a later return."""
    insert_ignoring_conflicts(
        session,
        ConsultationParticipant,
        {"consultation_id": consultation_id, "contact_id": contact_id, "started_at": utcnow()},
    )
    session.execute(
        sa.update(ConsultationParticipant)
        .where(
            col(ConsultationParticipant.consultation_id) == consultation_id,
            col(ConsultationParticipant.contact_id) == contact_id,
        )
        .values(stopped_at=utcnow())
    )


def answers_of_contact(
    session: Session, contact_id: int
) -> list[tuple[Consultation, ConsultationQuestion, ConsultationAnswer]]:
    """Return what a contact answered to consultations that are not anonymous."""
    rows = session.exec(
        select(Consultation, ConsultationQuestion, ConsultationAnswer)
        .join(ConsultationResponse, col(ConsultationResponse.id) == ConsultationAnswer.response_id)
        .join(ConsultationQuestion, col(ConsultationQuestion.id) == ConsultationAnswer.question_id)
        .join(Consultation, col(Consultation.id) == ConsultationResponse.consultation_id)
        .where(ConsultationResponse.contact_id == contact_id)
        .order_by(
            col(Consultation.id), col(ConsultationQuestion.position), col(ConsultationAnswer.part)
        )
    ).all()
    return [(c, q, a) for c, q, a in rows]
