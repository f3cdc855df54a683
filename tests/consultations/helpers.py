"""A consultation of every question kind, as staff would describe it in the CLI's YAML file."""

import asyncio
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.campaigns.background import CampaignLoop
from bot.campaigns.consultations import send_consultation
from bot.core.turn import Services
from bot.domain import Channel, Topic
from bot.services.consultations import create_consultation, parse_spec
from bot.storage import contacts
from bot.storage.database import new_session
from bot.storage.models import Consultation
from bot.storage.types import utcnow
from tests.campaigns.test_dispatcher import FakeSender

TZ = ZoneInfo("Africa/Libreville")


def spec_data(*, anonymous: bool = False, audience: str = "all", days: int = 10) -> dict[str, Any]:
    """Return the mapping of a consultation in French, English and Arabic."""
    return {
        "title": {
            "fr": "Le nouveau guichet unique",
            "en": "The new one-stop shop",
            "ar": "الشباك الموحد الجديد",
        },
        "intro": {
            "fr": "Nous voulons savoir comment améliorer l'accueil des porteurs de projets.",
            "en": "We want to know how to better welcome project leaders.",
            "ar": "نريد أن نعرف كيف نحسّن استقبال أصحاب المشاريع.",
        },
        "asked_by": {
            "fr": "La Direction de l'économie sociale",
            "en": "The Social Economy Directorate",
            "ar": "مديرية الاقتصاد الاجتماعي",
        },
        "closes": (utcnow() + timedelta(days=days)).isoformat(),
        "audience": audience,
        "anonymous": anonymous,
        "questions": [
            {
                "kind": "single_choice",
                "text": {
                    "fr": "Quel canal préférez-vous ?",
                    "en": "Which channel do you prefer?",
                    "ar": "ما القناة التي تفضلها؟",
                },
                "options": [
                    {
                        "key": "office",
                        "label": {"fr": "Au bureau", "en": "At the office", "ar": "في المكتب"},
                    },
                    {
                        "key": "phone",
                        "label": {"fr": "Par téléphone", "en": "By phone", "ar": "بالهاتف"},
                    },
                    {
                        "key": "online",
                        "label": {"fr": "En ligne", "en": "Online", "ar": "عبر الإنترنت"},
                    },
                ],
            },
            {
                "kind": "multiple_choice",
                "text": {
                    "fr": "Quels documents vous ont posé problème ?",
                    "en": "Which documents were a problem?",
                    "ar": "ما الوثائق التي واجهت فيها صعوبة؟",
                },
                "options": [
                    {
                        "key": "statutes",
                        "label": {
                            "fr": "Les statuts",
                            "en": "The statutes",
                            "ar": "النظام الأساسي",
                        },
                    },
                    {
                        "key": "minutes",
                        "label": {"fr": "Le procès-verbal", "en": "The minutes", "ar": "المحضر"},
                    },
                    {
                        "key": "list",
                        "label": {
                            "fr": "La liste des membres",
                            "en": "The members list",
                            "ar": "قائمة الأعضاء",
                        },
                    },
                ],
            },
            {
                "kind": "number",
                "text": {
                    "fr": "Combien de fois êtes-vous venu au bureau ?",
                    "en": "How many times did you come to the office?",
                    "ar": "كم مرة جئت إلى المكتب؟",
                },
                "min": 0,
                "max": 20,
            },
            {
                "kind": "rating",
                "text": {
                    "fr": "Notez l'accueil de 1 à 5.",
                    "en": "Rate the welcome from 1 to 5.",
                    "ar": "قيّم الاستقبال من 1 إلى 5.",
                },
            },
            {
                "kind": "free_text",
                "text": {
                    "fr": "Que faudrait-il changer ?",
                    "en": "What should change?",
                    "ar": "ما الذي يجب تغييره؟",
                },
            },
            {
                "kind": "comment",
                "text": {
                    "fr": "Voici le projet de charte d'accueil, en deux parties.",
                    "en": "Here is the draft welcome charter, in two parts.",
                    "ar": "إليك مشروع ميثاق الاستقبال، في جزأين.",
                },
                "parts": [
                    {
                        "fr": "1. Chaque dossier reçoit un accusé de réception.",
                        "en": "1. Every file gets an acknowledgement of receipt.",
                        "ar": "1. يحصل كل ملف على إشعار بالاستلام.",
                    },
                    {
                        "fr": "2. Une réponse est donnée sous trente jours.",
                        "en": "2. An answer is given within thirty days.",
                        "ar": "2. يُقدَّم رد خلال ثلاثين يومًا.",
                    },
                ],
            },
        ],
    }


def make_consultation(database: DatabaseEngine, **kwargs: Any) -> Consultation:
    """Store the consultation as a draft."""
    return create_consultation(database, parse_spec(spec_data(**kwargs), TZ))


def subscribers(database: DatabaseEngine, *addresses: str, channel: Channel) -> None:
    """Make subscribers of the news on a channel."""
    with new_session(database) as session:
        for address in addresses:
            contact = contacts.get_or_create_contact(session, channel=channel, address=address)
            contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.NEWS)
        session.commit()


def invite(
    database: DatabaseEngine, services: Services, consultation: Consultation, channel: Channel
) -> FakeSender:
    """Send a consultation and deliver its invitation through a recording sender."""
    send_consultation(database, consultation.id or 0, services.catalogues, TZ)
    sender = FakeSender(channel)
    loop = CampaignLoop(database, {channel: sender}, TZ, catalogues=services.catalogues)
    asyncio.run(loop.run_due())
    return sender
