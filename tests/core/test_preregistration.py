"""Pre-registration transcripts: consent, every validation error, edits, cancel, resume."""

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.app import build_router
from bot.core.engine import Engine
from bot.core.turn import Services
from bot.storage.database import new_session
from bot.storage.models import Contact, Conversation, Registration, Subscription, Tally
from tests.transcript import PACK_WORDS, Chat, both_packs, verify_dialog

FULL_FORM = [
    (
        "je veux pré-inscrire mon organisation",
        ["Avant de commencer", "Loi", "[J'accepte]", "[Je refuse]"],
    ),
    ("oui", ["Quel type d'organisation", "[Coopérative]"]),
    ("cooperativ", ["Quelle forme de coopérative", "[Coopérative simplifiée (SCOOPS)]"]),
    ("scoops", "Quel est le nom de l'organisation ?"),
    ("Les Agriculteurs de Bitam", "sigle"),
    ("non", ["secteur", "[Agriculture"]),
    ("1", "province"),
    ("woleu ntem", "ville"),
    ("Bitam", "membres fondateurs"),
    ("8", "personne à contacter"),
    ("Marie Obame", ["fonction", "[Président(e)]"]),
    ("[Président(e)]", "numéro de téléphone"),
    ("077 12 34 56", "e-mail"),
    (
        "marie@example.org",
        ["Voici votre pré-inscription", "Les Agriculteurs de Bitam", "+24177123456", "[Confirmer]"],
    ),
]


# The same form in Algeria: no OHADA cooperative forms, an association's scope, a wilaya by
# its number, a commune, +213.
DZ_FULL_FORM = [
    (
        "je veux pré-inscrire mon organisation",
        ["Avant de commencer", "18-07", "[J'accepte]", "[Je refuse]"],
    ),
    ("oui", ["Quel type d'organisation", "[Association]"]),
    ("association", ["portée", "[Association de wilaya"]),
    ("de wilaya", "Quel est le nom de l'organisation ?"),
    ("Les Jeunes de Bir El Djir", "sigle"),
    ("non", ["secteur", "[Agriculture"]),
    ("1", ["wilaya", "16 ou Alger"]),
    ("31", "commune"),
    ("Bir El Djir", "membres fondateurs"),
    ("12", ["au moins 15", "membres fondateurs"]),
    ("16", "personne à contacter"),
    ("Amina Benali", ["fonction", "[Président(e)]"]),
    ("[Président(e)]", "numéro de téléphone"),
    ("0551 23 45 67", "e-mail"),
    (
        "amina@example.org",
        ["Voici votre pré-inscription", "Portée", "Wilaya : Oran", "+213551234567", "[Confirmer]"],
    ),
]
FORMS = {"ga": FULL_FORM, "dz": DZ_FULL_FORM}


def registrations(database: DatabaseEngine) -> list[Registration]:
    with new_session(database) as session:
        return list(session.exec(select(Registration)).all())


@both_packs
def test_dz_or_ga_preregistration_gives_the_pack_s_reference(
    chat: Chat, database: DatabaseEngine, country: str
) -> None:
    prefix = PACK_WORDS[country]["prefix"]
    verify_dialog(chat, [*FORMS[country], ("[Confirmer]", ["Merci", prefix, "-00001"])])
    [registration] = registrations(database)
    assert registration.reference.startswith(prefix)
    assert registration.consent_at is not None


def test_algeria_stores_the_scope_and_the_wilaya(
    database: DatabaseEngine, services_by_pack: Callable[[str], Services]
) -> None:
    chat = Chat(Engine(database=database, services=services_by_pack("dz"), router=build_router()))
    verify_dialog(chat, [*DZ_FULL_FORM, ("[Confirmer]", ["DZ-20", "-00001"])])
    [registration] = registrations(database)
    assert registration.scope == "wilaya"
    assert registration.province == "Oran"
    assert registration.town == "Bir El Djir"
    assert registration.founders == 16
    assert registration.phone == "+213551234567"
    assert registration.coop_form is None


def test_full_preregistration_gives_a_reference(chat: Chat, database: DatabaseEngine) -> None:
    verify_dialog(chat, [*FULL_FORM, ("[Confirmer]", ["Merci", "GA-20", "-00001"])])
    [registration] = registrations(database)
    assert registration.reference.endswith("-00001")
    assert registration.org_type == "cooperative"
    assert registration.coop_form == "scoops"
    assert registration.province == "Woleu-Ntem"
    assert registration.phone == "+24177123456"
    assert registration.founders == 8
    assert registration.acronym is None
    assert registration.consent_at is not None
    assert registration.possible_duplicate_of is None


def test_refusing_consent_stores_nothing(chat: Chat, database: DatabaseEngine) -> None:
    verify_dialog(
        chat,
        [
            ("preinscription", "[Je refuse]"),
            ("[Je refuse]", "rien n'a été enregistré"),
            ("Les Agriculteurs", "!GA-"),
        ],
    )
    assert registrations(database) == []
    with new_session(database) as session:
        conversation = session.exec(select(Conversation)).one()
        assert not conversation.data.get("form")


def test_every_validation_error_reasks_the_same_question(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("inscrire mon asso", "[J'accepte]"),
            ("peut-être", "[J'accepte]"),
            ("[J'accepte]", "Quel est le nom"),  # the type came with the request
            ("!!!", ["doit contenir des lettres", "Quel est le nom"]),
            ("A", ["trop court", "Quel est le nom"]),
            ("N" * 300, ["trop long", "Quel est le nom"]),
            ("Jeunesse Active de Mouila", "sigle"),
            ("UN SIGLE BEAUCOUP TROP LONG POUR ÇA", ["20 caractères", "sigle"]),
            ("JAM", "secteur"),
            ("astrologie quantique", ["Choisissez un secteur", "secteur"]),
            ("sport", "province"),
            ("Atlantide", ["Je ne connais pas cette province", "province"]),
            # A city abroad is not an unknown province: the service's scope, then again.
            ("Paris", ["Paris est dans un autre pays", "Dans quelle province", "!Je ne connais"]),
            ("Mouila", "ville"),
            ("12345", ["doit contenir des lettres", "ville"]),
            ("Mouila", "membres fondateurs"),
            ("beaucoup", ["en chiffres", "membres fondateurs"]),
            ("1", ["au moins 2 membres fondateurs", "vous en indiquez 1"]),
            ("999999999", ["trop grand"]),
            ("nous sommes 25", "personne à contacter"),
            ("😀", ["doit contenir des lettres", "personne à contacter"]),
            ("Paul Mba", "fonction"),
            ("Coach", "téléphone"),
            ("123", ["n'est pas valide", "Exemple"]),
            ("+33 6 12 34 56 78 99 99", "n'est pas valide"),
            ("074 55 66 77", "e-mail"),
            ("pas-un-email", ["n'est pas valide", "nom@exemple.com"]),
            (
                "[Passer]",
                [
                    "Voici votre pré-inscription",
                    "Jeunesse Active de Mouila",
                    "Ngounié",
                    "+24174556677",
                ],
            ),
        ],
    )


def test_founders_checked_against_the_chosen_form(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("preinscription", "[J'accepte]"),
            ("[J'accepte]", "[Coopérative]"),
            ("[Coopérative]", "forme de coopérative"),
            ("COOP-CA", "nom"),
            ("Coop du Littoral", "sigle"),
            ("CDL", "secteur"),
            ("pêche", "province"),
            ("port gentil", "ville"),
            ("Port-Gentil", "membres fondateurs"),
            ("8", ["au moins 15 membres fondateurs", "modifier"]),
            ("modifier", ["Que voulez-vous modifier", "[Forme de coopérative]"]),
            ("[Forme de coopérative]", "forme de coopérative"),
            ("[Coopérative simplifiée (SCOOPS)]", "membres fondateurs"),
            ("8", "personne à contacter"),
        ],
    )


def test_edit_any_field_before_confirming(chat: Chat, database: DatabaseEngine) -> None:
    verify_dialog(
        chat,
        [
            *FULL_FORM,
            ("[Modifier]", ["Que voulez-vous modifier", "[Nom]", "[Téléphone]"]),
            ("[Nom]", "Quel est le nom"),
            (
                "Coopérative Agricole de Bitam",
                ["Voici votre pré-inscription", "Coopérative Agricole de Bitam"],
            ),
            ("[Modifier]", "[Type]"),
            ("[Type]", "Quel type"),
            (
                "[Association]",
                ["Voici votre pré-inscription", "Association", "!Forme de coopérative"],
            ),
            ("[Confirmer]", "GA-"),
        ],
    )
    [registration] = registrations(database)
    assert registration.name == "Coopérative Agricole de Bitam"
    assert registration.org_type == "association"
    assert registration.coop_form is None


@both_packs
def test_cancel_at_any_step_stores_nothing(
    chat: Chat, database: DatabaseEngine, country: str
) -> None:
    form = FORMS[country]
    verify_dialog(
        chat,
        [
            *form[:6],
            ("annuler", ["Pré-inscription annulée", "Rien n'a été enregistré"]),
            ("preinscription", "Avant de commencer"),
        ],
    )
    verify_dialog(chat, [*form[1:], ("[Annuler]", "Pré-inscription annulée")])
    assert registrations(database) == []


@both_packs
def test_resume_after_a_detour_and_a_restart(
    chat: Chat, database: DatabaseEngine, country: str, services_by_pack: Callable[[str], Services]
) -> None:
    services = services_by_pack(country)
    verify_dialog(chat, FORMS[country][:5])
    verify_dialog(
        chat,
        [
            ("menu", "Que voulez-vous faire"),
            ("c'est quoi l'ESS ?", "Sources"),
        ],
    )
    # A new engine over the same database: what a server restart looks like.
    restarted = Chat(Engine(database=database, services=services, router=build_router()))
    verify_dialog(
        restarted,
        [
            ("bonjour", "Bonjour"),
            ("[Pré-inscrire mon organisation]", ["Reprenons votre pré-inscription", "sigle"]),
            ("bonjour", ["Reprenons", "sigle"]),
            ("AB", "secteur"),
        ],
    )


def test_possible_duplicate_is_flagged(
    chat: Chat, engine: Engine, database: DatabaseEngine
) -> None:
    verify_dialog(chat, [*FULL_FORM, ("[Confirmer]", "!même nom")])
    other = Chat(engine, sender="bob")
    verify_dialog(other, [*FULL_FORM, ("[Confirmer]", ["GA-", "même nom", "déjà pré-inscrite"])])
    first, second = registrations(database)
    assert second.possible_duplicate_of == first.reference


def test_status_shows_only_my_own_files(chat: Chat, engine: Engine) -> None:
    verify_dialog(chat, [*FULL_FORM, ("[Confirmer]", "GA-")])
    reference = chat.transcript().split("référence ")[1].split(".")[0]
    verify_dialog(
        chat, [("où en est mon dossier ?", [reference, "Les Agriculteurs de Bitam", "reçue"])]
    )
    stranger = Chat(engine, sender="mallory")
    verify_dialog(
        stranger,
        [
            (f"où en est mon dossier {reference} ?", ["Je ne trouve pas", "!Bitam", "!reçue"]),
            (f"statut du dossier {reference.replace('-', ' ')}", ["Je ne trouve pas", "!Bitam"]),
            ("où en est mon dossier ?", ["pas encore de pré-inscription", "!Bitam"]),
        ],
    )


def test_delete_my_data_keeps_only_anonymous_counts(chat: Chat, database: DatabaseEngine) -> None:
    verify_dialog(
        chat,
        [
            *FULL_FORM,
            ("[Confirmer]", "GA-"),
            ("abonnez-moi", "C'est fait"),
            (
                "quelles données avez-vous sur moi ?",
                [
                    "Voici ce que nous gardons",
                    "Marie Obame",
                    "+24177123456",
                    "[Supprimer mes données]",
                ],
            ),
            ("[Supprimer mes données]", ["vraiment supprimer", "[Oui, supprimer]"]),
            ("non", "Rien n'a été supprimé"),
            ("supprimer mes données", "vraiment supprimer"),
            ("oui", "Vos données ont été supprimées"),
        ],
    )
    with new_session(database) as session:
        assert session.exec(select(Contact)).all() == []
        assert session.exec(select(Subscription)).all() == []
        [registration] = session.exec(select(Registration)).all()
        assert registration.contact_id is None
        assert registration.name is None and registration.phone is None
        assert registration.contact_name is None and registration.email is None
        assert registration.org_type == "cooperative" and registration.province == "Woleu-Ntem"
        assert session.get(Tally, "contacts_deleted").value == 1  # type: ignore[union-attr]
        leftover = session.execute(sa.text("SELECT count(*) FROM conversation")).scalar_one()
        assert leftover == 0
    verify_dialog(chat, [("bonjour", "Bonjour"), ("où en est mon dossier ?", "pas encore")])


def test_the_channel_s_known_number_and_name_are_offered(engine: Engine) -> None:
    """WhatsApp knows the sender's number and profile name: one tap instead of typing."""
    from bot.core.messages import Incoming
    from bot.domain import Channel

    sender = "+24177998877"

    def send(text: str = "", payload: str | None = None) -> list[str]:
        replies = engine.handle(
            Incoming(
                channel=Channel.WHATSAPP,
                sender=sender,
                text=text,
                payload=payload,
                profile_name="Awa Ndong",
                phone=sender,
            )
        )
        return [choice.payload for reply in replies for choice in reply.choices]

    for text in ["preinscription", "oui", "association", "Les Amies", "non", "1", "Estuaire"]:
        send(text)
    send("Libreville")
    offered = send("3")
    assert offered[0] == "fv:contact_name:@known"
    send(payload=offered[0])
    offered = send("Présidente")
    assert offered[0] == "fv:phone:@known"
    send(payload=offered[0])
    send("non")
    chat_summary = engine.handle(Incoming(channel=Channel.WHATSAPP, sender=sender, text="menu"))
    assert chat_summary
    with new_session(engine.database) as session:
        conversation = session.exec(select(Conversation)).one()
        answers = conversation.data["form"]["answers"]
    assert answers["contact_name"] == "Awa Ndong"
    assert answers["phone"] == sender


def test_global_words_work_in_the_middle_of_the_form(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            *FULL_FORM[:5],
            ("aide", ["annuler", "langue"]),
            ("JAB", "secteur"),  # the form still waits for its answer after the help
            ("langue", "Choisissez votre langue"),
            ("[Français]", "français"),
            ("menu", "Que voulez-vous faire"),
            ("[Pré-inscrire mon organisation]", ["Reprenons", "secteur"]),
            ("stop", "aucune actualité"),
            ("1", "province"),
        ],
    )
