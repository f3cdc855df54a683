"""Forms that can be interrupted: a question in the middle is answered (or explained), never
stored as an answer, and the pending question is asked again; corrections update the form;
counts in words; the dead ends of handoff, status and "reprendre".

Each transcript is replayed over WhatsApp and Telegram (see their `test_conversation_*`).
"""

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.services.handoffs import open_handoffs
from bot.storage.database import new_session
from bot.storage.models import Registration, Subscription
from tests.core.test_follow_ups import IN_ARABIC, IN_ENGLISH
from tests.transcript import Chat, both_packs, verify_dialog

START = [
    ("jveux preinscrire mon asso", "[J'accepte]"),
    ("oui", "Quel est le nom"),
]
# Algeria's associations are asked their scope first (law 12-06 sets founders by it).
STARTS = {
    "ga": START,
    "dz": [
        ("jveux preinscrire mon asso", "[J'accepte]"),
        ("oui", ["portée", "[Association communale"]),
        ("communale", "Quel est le nom"),
    ],
}


def registrations(database: DatabaseEngine) -> list[Registration]:
    with new_session(database) as session:
        return list(session.exec(select(Registration)).all())


def test_questions_in_the_form_are_explained_and_never_stored(
    chat: Chat, database: DatabaseEngine
) -> None:
    verify_dialog(
        chat,
        [
            *START,
            ("c'est quoi le nom ?", ["statuts", "Quel est le nom"]),
            ("Les Jeunes de Oyem", "sigle"),
            ("c quoi un sigle", ["premières lettres", "sigle (par exemple"]),
            ("c'est quoi un sigle ?", ["premières lettres", "sigle (par exemple"]),
            ("pk ?", ["premières lettres", "sigle (par exemple"]),
            ("JDO", "secteur"),
            ("c'est quoi le secteur ?", ["domaine d'activité", "Dans quel secteur"]),
            ("2", "province"),
            ("estuaire", "ville"),
            ("quelle ville ?", ["siège", "Dans quelle ville"]),
            ("Ntoum", "membres fondateurs"),
            ("c'est quoi un membre fondateur ?", ["signent ses statuts", "membres fondateurs"]),
            ("douze", "personne à contacter"),
            ("Awa Ndong", "fonction"),
            ("[Trésorier(e)]", "numéro de téléphone"),
            ("pourquoi vous voulez mon numéro", ["vous rappeler", "numéro de téléphone"]),
            ("c'est pour quoi mon numéro ?", ["vous rappeler", "Seuls les agents"]),
            ("077 12 34 56", "e-mail"),
            ("pourquoi ?", ["pas obligatoire", "e-mail"]),
            ("non", ["Voici votre pré-inscription", "JDO", "Ntoum", "12"]),
            ("[Confirmer]", "GA-"),
        ],
    )
    [registration] = registrations(database)
    assert registration.name == "Les Jeunes de Oyem"
    assert registration.acronym == "JDO"
    assert registration.town == "Ntoum"
    assert registration.founders == 12
    assert registration.phone == "+24177123456"


def test_requests_at_a_name_step_are_answered_not_stored(
    chat: Chat, database: DatabaseEngine
) -> None:
    verify_dialog(
        chat,
        [
            *START,
            ("je veux parler à un agent", ["transmise", "Reprenons", "Quel est le nom"]),
            ("in english please", ["English", "name of the organisation"]),
            ("Youth Club of Oyem", "acronym"),
        ],
    )
    [request] = open_handoffs(database)
    assert request.last_message == "je veux parler à un agent"


def test_consent_given_in_a_sentence(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("je veux inscrire ma coop", "[J'accepte]"),
            ("oui je suis d'accord", ["Quelle forme de coopérative", "!Acceptez-vous"]),
        ],
    )


@both_packs
def test_an_unknown_question_in_the_form_is_not_taken_as_the_answer(
    chat: Chat, country: str
) -> None:
    verify_dialog(
        chat,
        [
            *STARTS[country],
            ("Les Amis du Marché", "sigle"),
            ("est-ce que vous aimez le foot ?", ["ne la prends pas comme réponse", "sigle"]),
            ("non", "secteur"),
        ],
    )


def test_help_texts_in_english_and_arabic(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            *IN_ENGLISH,
            ("I want to pre-register my association", "[I agree]"),
            ("yes", "What is the name"),
            ("Youth of Oyem", "acronym"),
            ("what is an acronym?", ["first letters", "acronym (for example"]),
            ("no", "sector"),
            ("1", "province"),
            ("Estuaire", "town"),
            ("Owendo", "founding members"),
            ("twenty members", "contact person"),
            ("Paul", "role"),
            ("[Treasurer]", "phone number"),
            ("why do you need my phone", ["call you back", "phone number"]),
        ],
    )
    verify_dialog(
        chat,
        [
            *IN_ARABIC,
            ("متابعة", ["لنكمل تسجيلك المسبق", "رقم"]),
            ("لماذا تريد رقم هاتفي؟", ["للاتصال بك", "!لم أفهم"]),
            ("077 12 34 56", "البريد"),
        ],
    )


def test_a_cost_question_at_the_province_step_is_answered(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            *START,
            ("Les Amis", "sigle"),
            ("non", "secteur"),
            ("1", "province"),
            (
                "combien ça coûte ?",
                [
                    "Association, frais",
                    "Reprenons votre pré-inscription",
                    "Dans quelle province",
                    "!Je ne connais pas cette province",
                ],
            ),
            ("cmt on depose le dossier", ["Association, où déposer", "Dans quelle province"]),
            ("woleu ntem", "ville"),
        ],
    )


def test_changing_the_form_at_any_step(chat: Chat, database: DatabaseEngine) -> None:
    verify_dialog(
        chat,
        [
            *START,
            ("Les Pêcheurs de Mayumba", "sigle"),
            (
                "en fait c'est une coopérative",
                ["je corrige", "Coopérative", "Quelle forme de coopérative", "!Un sigle a"],
            ),
            ("scoops", "sigle"),
            ("LPM", "secteur"),
            ("1", "province"),
            ("finalement c'est une COOP-CA", ["je corrige", "COOP-CA", "province"]),
            ("nyanga", "ville"),
            ("Mayumba", "membres fondateurs"),
            ("dix", ["au moins 15 membres fondateurs", "vous en indiquez 10"]),
            ("plutôt une SCOOPS", ["je corrige", "SCOOPS", "membres fondateurs"]),
            ("dix", "personne à contacter"),
        ],
    )


def test_a_correction_at_the_review_step(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            *START,
            ("Entraide de Lambaréné", "sigle"),
            ("non", "secteur"),
            ("9", "province"),
            ("moyen ogooue", "ville"),
            ("Lambaréné", "membres fondateurs"),
            ("3", "personne"),
            ("Jean", "fonction"),
            ("[Président(e)]", "téléphone"),
            ("066 12 34 56", "e-mail"),
            ("non", ["Voici votre pré-inscription", "Moyen-Ogooué"]),
            (
                "en fait le siège est à Franceville",
                ["je corrige", "Haut-Ogooué", "Voici votre pré-inscription"],
            ),
        ],
    )


def test_the_decision_helper_never_traps(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("je sais pas quelle structure choisir", ["questions courtes", "[Oui]"]),
            (
                "combien ça coûte une asso ?",
                ["Association, frais", "Reprenons", "[Oui]", "!Répondez par oui"],
            ),
            ("bof", ["Répondez par oui ou par non", "[Oui]"]),
            ("je voudrais savoir si vous êtes ouverts samedi", ["annuler", "!Répondez par oui"]),
            ("oui", "Combien"),
            ("je sais pas", "Écrivez un nombre"),
            ("on est cinq", ["Je vous conseille", "SCOOPS"]),
        ],
    )


def test_naming_a_form_ends_the_decision_helper(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("aidez moi à choisir", "[Oui]"),
            (
                "en fait je veux créer une coopérative",
                ["Créer une coopérative", "!Reprenons où nous en étions"],
            ),
            ("et les documents ?", "Documents à fournir — Créer une coopérative"),
        ],
    )


@both_packs
def test_a_person_asked_for_in_the_middle_of_the_helper(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("aidez moi à choisir", "[Oui]"),
            ("je veux parler à quelqu'un", ["transmise", "Reprenons", "[Oui]"]),
            ("non", "?"),
        ],
    )


def test_counts_in_words_and_arabic_digits(chat: Chat, database: DatabaseEngine) -> None:
    verify_dialog(
        chat,
        [
            *START,
            ("Union des Femmes", "sigle"),
            ("non", "secteur"),
            ("1", "province"),
            ("ngounie", "ville"),
            ("Mouila", "membres fondateurs"),
            ("beaucoup", ["en chiffres", "membres fondateurs"]),
            ("on est sept", "personne à contacter"),
        ],
    )
    verify_dialog(
        chat,
        [
            ("modifier", "Que voulez-vous modifier"),
            ("[Membres fondateurs]", "membres fondateurs"),
            ("١٢", "personne à contacter"),
        ],
    )


def test_arabic_number_words_in_the_helper(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("aide moi a choisir", "[Oui]"),
            ("oui", "Combien"),
            ("خمسة عشر", ["COOP-CA", "!SCOOPS)."]),
        ],
    )


def test_the_offer_of_a_person_does_not_take_the_forms_buttons(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            *START,
            ("Les Amis", "sigle"),
            ("non", "secteur"),
            ("zzqx", ["Choisissez un secteur", "!Voulez-vous parler"]),
            (
                "wxcv",
                ["parler à une personne", "annuler", "Dans quel secteur", "[Agriculture"],
            ),
            ("2", ["province", "!transmise"]),
        ],
    )


def test_details_after_asking_for_a_person_are_added_to_the_request(
    chat: Chat, database: DatabaseEngine
) -> None:
    verify_dialog(
        chat,
        [
            ("je veux parler à un agent", ["transmise", "détails"]),
            (
                "c'est pour ma coopérative de pêcheurs, on a un souci avec les statuts",
                # Added to the request, and the question in it answered meanwhile.
                ["aussi ajouté ce message à votre demande", "statuts", "!Je n'ai pas compris"],
            ),
            ("vous répondez quand ?", ["est bien enregistrée", "promettre", "!À COMPLÉTER"]),
            ("combien ça coûte une asso ?", ["Association, frais"]),
            ("merci", "Avec plaisir"),
            ("mon numéro c'est le 077 12 34 56", "ajouté votre message"),
            ("c'est pour mes statuts", "ajouté votre message à votre demande"),
        ],
    )
    [request] = open_handoffs(database)
    assert request.last_message is not None
    assert "je veux parler à un agent" in request.last_message
    assert "souci avec les statuts" in request.last_message
    assert "077 12 34 56" in request.last_message
    assert "c'est pour mes statuts" in request.last_message
    assert "combien ça coûte" not in request.last_message
    assert "vous répondez quand" not in request.last_message


@both_packs
def test_when_will_you_answer_is_answered_honestly(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("vous répondez quand ?", ["tout de suite", "[Parler à une personne]", "!À COMPLÉTER"]),
            ("[Parler à une personne]", "transmise"),
            ("quand est-ce qu'un agent va me rappeler", ["promettre", "!transmise à l'équipe"]),
        ],
    )
    verify_dialog(chat, [*IN_ENGLISH, ("when will you answer", "cannot promise")])


def test_a_reference_typed_after_asking_for_the_file(chat: Chat, database: DatabaseEngine) -> None:
    verify_dialog(
        chat,
        [
            *START,
            ("Les Amis", "sigle"),
            ("non", "secteur"),
            ("1", "province"),
            ("estuaire", "ville"),
            ("Libreville", "membres"),
            ("5", "personne"),
            ("Marie", "fonction"),
            ("[Président(e)]", "téléphone"),
            ("077 12 34 56", "e-mail"),
            ("non", "Voici"),
            ("[Confirmer]", "GA-"),
        ],
    )
    [registration] = registrations(database)
    reference = registration.reference
    year, number = reference.split("-")[1], int(reference.split("-")[2])
    verify_dialog(
        chat,
        [
            ("où en est mon dossier", ["Vos dossiers", reference]),
            (reference, [reference, "Les Amis", "reçue"]),
            (f"ga {year} {number}", [reference, "reçue"]),
            (f"GA-{year}-99999", ["Je ne trouve pas", "propres dossiers"]),
        ],
    )


@both_packs
def test_resume_words_go_on_with_the_form_instead_of_subscribing(
    chat: Chat, database: DatabaseEngine, country: str
) -> None:
    verify_dialog(
        chat,
        [
            *STARTS[country],
            ("reprendre", ["Reprenons votre pré-inscription", "Quel est le nom", "!C'est fait"]),
            ("Les Amis", "sigle"),
            ("menu", "Que voulez-vous faire"),
            ("continuer", ["Reprenons votre pré-inscription", "sigle"]),
            ("on continue", ["Reprenons", "sigle"]),
        ],
    )
    with new_session(database) as session:
        assert list(session.exec(select(Subscription)).all()) == []
