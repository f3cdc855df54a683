"""A consultation made through the console's forms, and answers written as the chat writes them."""

from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col

from bot.domain import Channel, QuestionKind, Topic
from bot.storage import consultations as answers
from bot.storage import contacts
from bot.storage.consultations import AnswerValue
from bot.storage.database import new_session
from bot.storage.models import CampaignRun, Consultation, OutboxItem
from bot.storage.types import utcnow
from tests.consultations.helpers import TZ

SECRET = b"console-test"


def header(**fields: str) -> dict[str, str]:
    """Return a consultation's form: French, English and Arabic, closing in ten days."""
    closes = (utcnow() + timedelta(days=10)).astimezone(TZ)
    return {
        "title_fr": "Le nouveau guichet unique",
        "title_en": "The new one-stop shop",
        "title_ar": "الشباك الموحد الجديد",
        "intro_fr": "Nous voulons savoir comment améliorer l'accueil des porteurs de projets.",
        "intro_en": "We want to know how to better welcome project leaders.",
        "intro_ar": "نريد أن نعرف كيف نحسّن استقبال أصحاب المشاريع.",
        "asked_by_fr": "La Direction de l'économie sociale",
        "asked_by_en": "The Social Economy Directorate",
        "asked_by_ar": "مديرية الاقتصاد الاجتماعي",
        "audience": "all",
        "closes": f"{closes:%Y-%m-%dT%H:%M}",
        **fields,
    }


QUESTIONS: list[dict[str, str]] = [
    {
        "kind": "single_choice",
        "text_fr": "Quel canal préférez-vous ?",
        "text_en": "Which channel do you prefer?",
        "text_ar": "ما القناة التي تفضلها؟",
        "options_fr": "Au bureau\nPar téléphone\nEn ligne",
        "options_en": "At the office\nBy phone\nOnline",
        "options_ar": "في المكتب\nبالهاتف\nعبر الإنترنت",
    },
    {
        "kind": "multiple_choice",
        "text_fr": "Quels documents vous ont posé problème ?",
        "options_fr": "Les statuts\nLe procès-verbal\nLa liste des membres",
    },
    {"kind": "number", "text_fr": "Combien de fois êtes-vous venu ?", "min": "0", "max": "20"},
    {"kind": "rating", "text_fr": "Notez l'accueil de 1 à 5."},
    {"kind": "free_text", "text_fr": "Que faudrait-il changer ?"},
    {
        "kind": "comment",
        "text_fr": "Voici le projet de charte d'accueil, en deux parties.",
        "parts_fr": "1. Chaque dossier reçoit un accusé de réception.\n\n"
        "2. Une réponse est donnée sous trente jours.",
    },
]


async def create_through_forms(client: httpx.AsyncClient, csrf: str, **fields: str) -> int:
    """Create a draft and add each kind of question with the console's forms; return its id."""
    created = await client.post("/admin/consultations", data={"csrf": csrf, **header(**fields)})
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    consultation_id = int(location.split("/")[3])
    for question in QUESTIONS:
        added = await client.post(
            f"/admin/consultations/{consultation_id}/questions", data={"csrf": csrf, **question}
        )
        assert added.status_code == 303, added.text
    return consultation_id


def person(database: DatabaseEngine, address: str, province: str | None = None) -> None:
    """Make a Telegram subscriber of the news."""
    with new_session(database) as session:
        contact = contacts.get_or_create_contact(session, channel=Channel.TELEGRAM, address=address)
        contact.province = province
        session.add(contact)
        contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.NEWS)
        session.commit()


def answer(
    database: DatabaseEngine,
    consultation_id: int,
    address: str,
    values: dict[int, Any],
    *,
    finish: bool = True,
) -> None:
    """Write one person's answers by question position, as the chat writes them one by one.

    A value is an option number or a list of them (choices), an int, a text, a list of texts
    (a comment's parts), or None (skipped).
    """
    with new_session(database) as session:
        consultation = session.get(Consultation, consultation_id)
        contact = contacts.find_contact(session, channel=Channel.TELEGRAM, address=address)
        assert consultation is not None and contact is not None
        key = answers.respondent_key(SECRET, consultation_id, f"telegram:{address}")
        response = answers.open_response(session, consultation, contact, key=key, locale="fr")
        for question in answers.questions_of(session, consultation_id):
            given = values.get(question.position)
            parts = given if question.kind is QuestionKind.COMMENT else [given]
            for part, value in enumerate(parts or [None]):
                answers.record_answer(
                    session,
                    response_id=response.id or 0,
                    question_id=question.id or 0,
                    part=part,
                    value=_value(question.kind, value),
                )
        if finish:
            answers.finish(session, response, contact.id or 0)
        session.commit()


def queued_invitations(database: DatabaseEngine, consultation_id: int) -> int:
    """Count the invitations of a sent consultation that the campaign loop has queued."""
    with new_session(database) as session:
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None
        return int(
            session.execute(
                sa.select(sa.func.count())
                .select_from(OutboxItem)
                .join(CampaignRun, col(CampaignRun.id) == col(OutboxItem.run_id))
                .where(col(CampaignRun.campaign_id) == consultation.campaign_id)
            ).scalar_one()
        )


def _value(kind: QuestionKind, value: Any) -> AnswerValue:
    if value is None:
        return AnswerValue(skipped=True)
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        chosen = value if isinstance(value, list) else [value]
        return AnswerValue(choices=tuple(str(item) for item in chosen))
    if kind in (QuestionKind.NUMBER, QuestionKind.RATING):
        return AnswerValue(number=int(value))
    return AnswerValue(text=str(value))
