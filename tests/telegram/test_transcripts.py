"""The core's transcripts over Telegram, by webhook and by long polling, through real HTTP."""

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.domain import Channel
from bot.storage.database import new_session
from bot.storage.models import Contact, Registration, Subscription
from tests.core.test_preregistration import FULL_FORM
from tests.telegram.harness import Harness, TelegramUser
from tests.transcript import Chat, verify_dialog


def play(user: TelegramUser, steps: list[tuple[str, str | list[str]]]) -> None:
    """Play a core transcript as a Telegram user (who quacks like the terminal's Chat)."""
    chat: Chat = user  # type: ignore[assignment]
    verify_dialog(chat, steps)


def registrations(database: DatabaseEngine) -> list[Registration]:
    with new_session(database) as session:
        return list(session.exec(select(Registration)).all())


def test_start_greets_with_the_menu_as_buttons(telegram: Harness) -> None:
    marie = telegram.user()
    play(
        marie,
        [("/start", ["Bonjour", "DGES", "[Créer une organisation]", "[Parler à une personne]"])],
    )
    [reply] = marie.last
    keyboard = reply.params["reply_markup"]["inline_keyboard"]
    assert all(len(row) == 1 for row in keyboard)
    assert {button["callback_data"] for row in keyboard for button in row} >= {"guides", "prereg:"}
    assert "parse_mode" not in reply.params


def test_guidance_and_follow_ups(telegram: Harness) -> None:
    play(
        telegram.user(),
        [
            ("cmt créer 1 asso stp", ["Créer une association", "Les étapes", "Loi n°35/62"]),
            ("et les documents ?", ["Documents à fournir", "statuts"]),
            ("combien ça coûte ?", ["Association, frais", "10\u00a0000\u00a0FCFA", "Sources"]),
            ("où déposer le dossier ?", ["Où déposer", "Adresse"]),
            ("/menu", ["Que voulez-vous faire ?", "[Créer une organisation]"]),
            ("[Créer une organisation]", "[Coopérative]"),
            ("[Coopérative]", ["OHADA", "[Les documents]"]),
            ("[Les documents]", "Documents à fournir"),
        ],
    )


def test_decision_helper(telegram: Harness) -> None:
    play(
        telegram.user(),
        [
            ("je sais pas quelle structure choisir", ["questions", "[Oui]", "[Non]"]),
            ("oui", "?"),
            ("8", ["Je vous conseille", "SCOOPS", "[Voir le guide]"]),
            ("[Voir le guide]", ["Créer une coopérative", "Les étapes"]),
            ("aide moi a choisir", "[Oui]"),
            ("peut-être", ["Répondez par oui ou par non", "[Oui]"]),
            ("/annuler", "j'arrête"),
        ],
    )


def test_facts_comparisons_scope_and_form_names(telegram: Harness) -> None:
    play(
        telegram.user(),
        [
            ("faut combien de membres pr une scoops", ["5", "sans nombre maximum"]),
            ("[Guide : Coopérative]", ["Créer une coopérative", "Les étapes"]),
            ("c koi un récépissé", ["provisoire", "définitif"]),
            ("asso ou ONG ?", ["Fondateurs", "[Guide : ONG]", "!Répondez par oui"]),
            ("en Algérie, loi 12-06", ["Algérie", "Gabon", "!Créer une association"]),
            ("mutuelle", "Créer une mutuelle"),
            ("qui contrôle ?", "APDPVP"),
            ("/langue", "[English]"),
            ("[English]", "English"),
            ("what is OHADA", ["Uniform Acts", "[Guide: Cooperative]"]),
        ],
    )


def test_full_preregistration_with_errors_and_edits(
    telegram: Harness, database: DatabaseEngine
) -> None:
    marie = telegram.user()
    play(
        marie,
        [
            *FULL_FORM[:8],
            ("12345", ["doit contenir des lettres", "ville"]),
            *FULL_FORM[8:9],
            ("beaucoup", ["en chiffres", "membres fondateurs"]),
            ("1", "au moins 5 membres fondateurs"),
            *FULL_FORM[9:12],
            ("123", ["n'est pas valide", "Exemple"]),
            *FULL_FORM[12:],
            ("[Modifier]", ["Que voulez-vous modifier", "[Nom]"]),
            ("[Nom]", "Quel est le nom"),
            (
                "Coopérative Agricole de Bitam",
                ["Voici votre pré-inscription", "Coopérative Agricole"],
            ),
            ("[Confirmer]", ["Merci", "GA-20", "-00001"]),
        ],
    )
    [registration] = registrations(database)
    assert registration.name == "Coopérative Agricole de Bitam"
    assert registration.channel == Channel.TELEGRAM
    assert registration.phone == "+24177123456"


def test_the_telegram_name_is_offered_as_the_contact(telegram: Harness) -> None:
    marie = telegram.user()
    play(marie, FULL_FORM[:9])
    answer = marie.send("8")
    assert "personne à contacter" in answer
    assert "[Utiliser : Marie Obame]" in answer
    assert "fonction" in marie.press("Utiliser : Marie Obame")


def test_deep_link_opens_the_preregistration(telegram: Harness) -> None:
    play(telegram.user(), [("/start preinscription", ["Avant de commencer", "[J'accepte]"])])
    play(telegram.user(7002), [("/start cooperative", ["Créer une coopérative", "Les étapes"])])
    play(telegram.user(7003), [("/start nimportequoi", ["Bonjour", "[Créer une organisation]"])])


def test_cancel_by_command_stores_nothing(telegram: Harness, database: DatabaseEngine) -> None:
    play(
        telegram.user(),
        [
            *FULL_FORM[:6],
            ("/annuler", ["Pré-inscription annulée", "Rien n'a été enregistré"]),
            ("/aide", ["annuler", "langue"]),
        ],
    )
    assert registrations(database) == []


def test_subscribe_and_stop(telegram: Harness, database: DatabaseEngine) -> None:
    marie = telegram.user()
    play(
        marie,
        [
            ("abonnez-moi", ["C'est fait", "STOP"]),
            ("abonnez moi svp", "déjà abonné"),
            ("/stop", "vous ne recevrez plus"),
            ("STOP", "aucune actualité"),
        ],
    )
    with new_session(database) as session:
        contact = session.exec(select(Contact)).one()
        assert contact.address == str(marie.user_id)
        assert contact.name == "Marie Obame"
        assert contact.locale_hint == "fr"
        assert session.exec(select(Subscription)).all() == []


def test_language_command_and_english_hint(telegram: Harness) -> None:
    play(
        telegram.user(language_code="en"),
        [
            ("/langue", ["[English]", "[العربية]"]),
            ("[English]", "English"),
        ],
    )


def test_a_command_without_its_entity_is_still_that_command(
    telegram: Harness, database: DatabaseEngine
) -> None:
    """Some clients send "/start" with no bot_command entity; a photo's caption can be one."""
    typed = telegram.user(7101)
    plain = typed.message()
    plain["text"] = "/start"
    assert "Bonjour" in typed.exchange(typed.update(message=plain))
    pictured = telegram.user(7102)
    photo = pictured.message(
        photo=[{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}],
        caption="/start",
        caption_entities=[{"type": "bot_command", "offset": 0, "length": 6}],
    )
    assert "Bonjour" in pictured.exchange(pictured.update(message=photo))
    linked = telegram.user(7103)
    deep = linked.message()
    deep["text"] = "/start preinscription"
    assert "Avant de commencer" in linked.exchange(linked.update(message=deep))
    helped = telegram.user(7104)
    bare = helped.message()
    bare["text"] = "/aide"
    assert "annuler" in helped.exchange(helped.update(message=bare))
    with new_session(database) as session:
        assert list(session.exec(select(Subscription)).all()) == []


def test_a_lone_slash_is_not_understood_rather_than_called_no_text(telegram: Harness) -> None:
    slash = telegram.user(7105)
    bare = slash.message()
    bare["text"] = "/"
    answer = slash.exchange(slash.update(message=bare))
    assert "Je n'ai pas compris" in answer and "messages écrits" not in answer
