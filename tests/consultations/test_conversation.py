"""A person taken through a consultation: buttons and typed answers, skip, change, stop, resume."""

import asyncio

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.campaigns import consultations as sending
from bot.campaigns.background import CampaignLoop
from bot.core.engine import Engine
from bot.domain import Channel
from bot.storage import contacts
from bot.storage.database import new_session
from bot.storage.models import ConsultationAnswer, ConsultationParticipant, ConsultationResponse
from tests.campaigns.test_dispatcher import FakeSender
from tests.consultations.helpers import TZ, invite, make_consultation, subscribers
from tests.transcript import Chat, verify_dialog


def answers(database: DatabaseEngine) -> list[ConsultationAnswer]:
    with new_session(database) as session:
        return list(session.exec(select(ConsultationAnswer).order_by(ConsultationAnswer.id)).all())


def test_a_whole_consultation_with_buttons_and_typed_answers(engine: Engine) -> None:
    consultation = make_consultation(engine.database)
    subscribers(engine.database, "awa", channel=Channel.TELEGRAM)
    sender = invite(engine.database, engine.services, consultation, Channel.TELEGRAM)
    assert sender.sent["awa"] == 1
    awa = Chat(engine, sender="awa", channel=Channel.TELEGRAM)
    verify_dialog(
        awa,
        [
            (
                "consultation",
                [
                    "La Direction de l'économie sociale vous consulte",
                    "facultatif",
                    "Environ 4 min (7 questions)",
                    "[Commencer]",
                ],
            ),
            ("[Commencer]", ["Question 1/6 : Quel canal préférez-vous ?", "[Par téléphone]"]),
            ("par telephonne", ["Question 2/6", "[Les statuts]", "[Valider]"]),
            ("[Les statuts]", "[✅ Les statuts]"),
            ("[La liste des membres]", "[✅ La liste des membres]"),
            ("[Valider]", ["Question 3/6", "entre 0 et 20"]),
            ("vingt-cinq", ["entre 0 et 20", "Question 3/6"]),
            ("trois", ["Question 4/6", "[5]"]),
            ("[4]", ["Question 5/6", "Écrivez votre réponse"]),
            ("passer", ["Voici le projet de charte", "Partie 1/2", "accusé de réception"]),
            ("Très bien, à condition de le faire par SMS.", "Partie 2/2"),
            ("[Pas de commentaire]", ["Voici vos réponses", "Par téléphone", "(passée)"]),
            ("[Modifier une réponse]", "Quelle réponse voulez-vous modifier ?"),
            ("[1. Quel]", "Question 1/6"),
            ("1", ["Voici vos réponses", "Au bureau", "!Par téléphone"]),
            ("[Envoyer]", "Merci ! Vos réponses sont enregistrées."),
        ],
    )
    stored = answers(engine.database)
    assert [a.choices for a in stored[:2]] == [["office"], ["statutes", "list"]]
    assert [a.number for a in stored[2:4]] == [3, 4]
    assert stored[4].skipped and stored[6].skipped
    assert stored[5].text == "Très bien, à condition de le faire par SMS."
    with new_session(engine.database) as session:
        [response] = session.exec(select(ConsultationResponse)).all()
    assert response.finished_at is not None and response.contact_id is not None
    assert "Vous avez déjà répondu" in awa.send(payload=f"cons:{consultation.id}")


def test_stop_keeps_the_subscription_and_the_answers_then_resumes(engine: Engine) -> None:
    consultation = make_consultation(engine.database)
    subscribers(engine.database, "bob", channel=Channel.TELEGRAM)
    invite(engine.database, engine.services, consultation, Channel.TELEGRAM)
    bob = Chat(engine, sender="bob", channel=Channel.TELEGRAM)
    verify_dialog(
        bob,
        [
            ("consultation", "[Commencer]"),
            ("oui", "Question 1/6"),
            ("1", "Question 2/6"),
            ("stop", ["mise de côté", "Vos abonnements ne changent pas", "!désabonné"]),
            ("mes abonnements", "actualités"),
            ("consultation", ["Reprenons la consultation", "Question 2/6"]),
            ("1 et 3", "Question 3/6"),
        ],
    )
    with new_session(engine.database) as session:
        [participant] = session.exec(select(ConsultationParticipant)).all()
    assert participant.stopped_at is None and participant.finished_at is None


def test_arabic_speaker_gets_it_all_in_arabic(engine: Engine) -> None:
    consultation = make_consultation(engine.database)
    subscribers(engine.database, "salma", channel=Channel.TELEGRAM)
    invite(engine.database, engine.services, consultation, Channel.TELEGRAM)
    salma = Chat(engine, sender="salma", channel=Channel.TELEGRAM)
    verify_dialog(
        salma,
        [
            ("استشارة", ["مديرية الاقتصاد الاجتماعي", "!vous consulte"]),
            ("نعم", "ما القناة التي تفضلها؟"),
            ("بالهاتف", "ما الوثائق"),
            ("١ و ٣", "كم مرة"),
            ("ثلاثة", "قيّم الاستقبال"),
            ("خمسة", "ما الذي يجب تغييره"),
        ],
    )
    assert [a.number for a in answers(engine.database)[2:4]] == [3, 5]


def test_in_the_terminal_when_the_invitation_went_to_the_groups(engine: Engine) -> None:
    """The terminal cannot be sent an invitation: a group's members write in on their own."""

    consultation = make_consultation(engine.database, audience="groups")
    sending.send_consultation(engine.database, consultation.id or 0, engine.services.catalogues, TZ)
    verify_dialog(
        Chat(engine, sender="terminal"),
        [
            ("consultation", ["vous consulte", "[Commencer]", "[Plus tard]"]),
            ("1", ["Question 1/6", "[Au bureau]"]),
            ("au bureau", "Question 2/6"),
            ("pardon ?", "Question 2/6"),
            ("annuler", ["mise de côté", "!annulée"]),
            ("continuer", ["Reprenons la consultation", "Question 2/6"]),
        ],
    )


def test_a_draft_tried_by_one_contact_then_sent_for_real(engine: Engine) -> None:

    consultation = make_consultation(engine.database)
    subscribers(engine.database, "staff", "citizen", channel=Channel.TELEGRAM)
    with new_session(engine.database) as session:
        staff = contacts.find_contact(session, channel=Channel.TELEGRAM, address="staff")
        assert staff is not None
    sending.test_consultation(
        engine.database, consultation.id or 0, staff.id or 0, engine.services.catalogues, TZ
    )
    sender = FakeSender(Channel.TELEGRAM)
    asyncio.run(CampaignLoop(engine.database, {Channel.TELEGRAM: sender}, TZ).run_due())
    assert dict(sender.sent) == {"staff": 1}
    tester = Chat(engine, sender="staff", channel=Channel.TELEGRAM)
    verify_dialog(tester, [("consultation", "[Commencer]"), ("[Commencer]", "Question 1/6")])
    tester.send("1")
    citizen = Chat(engine, sender="citizen", channel=Channel.TELEGRAM)
    assert "[Commencer]" not in citizen.send("consultation")  # not sent to them yet
    assert len(answers(engine.database)) == 1
    invite(engine.database, engine.services, consultation, Channel.TELEGRAM)
    assert answers(engine.database) == []  # the try-out does not count
    assert "[Commencer]" in citizen.send("consultation")
