"""Transcripts of fact questions, comparisons, the service's scope and bare form names.

English and Arabic transcripts choose their language in words first, so that they hold on
every channel (WhatsApp replays them too, where no language hint comes with a message).
"""

from tests.transcript import PACK_WORDS, Chat, both_packs, verify_dialog

NOT_UNDERSTOOD = "!Je n'ai pas compris"


def test_fact_questions_in_sms_french_get_short_answers(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "faut combien de membres pour une scoops",
                ["SCOOPS", "5", "sans nombre maximum", "[Guide : Coopérative]", "!Les étapes"],
            ),
            ("c koi un récépissé", ["provisoire", "définitif", "Vérifié le", NOT_UNDERSTOOD]),
            ("le conseil d'administration c'est combien de personnes", ["3 à 12", "292"]),
            ("on peut etre reconnu d'utilité publique ?", ["décret", "[Guide : Fondation]"]),
            ("c'est quoi l'OHADA", ["Actes uniformes", "15 mai 2011"]),
        ],
    )


def test_governance_and_capital_of_each_cooperative_form(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("le comité de gestion c'est combien de personnes", ["3 membres au plus", "100"]),
            ("capitale social d'une coop ca", ["quart", "3 ans"]),
            ("faut-il un capital pour une scoops", ["statuts", "cotisations"]),
            ("capital pour une asso", ["aucun capital", "10 000 FCFA"]),
        ],
    )


def test_the_fact_button_opens_the_full_guide(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("il faut etre combien pour une coop ca", ["15", "[Guide : Coopérative]"]),
            ("[Guide : Coopérative]", ["Créer une coopérative", "Les étapes"]),
        ],
    )


def test_a_fact_without_a_form_uses_the_guide_being_read(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("comment créer une fondation", "Créer une fondation"),
            ("faut combien de membres au minimum ?", ["Fondation", "2 fondateurs", "!SCOOPS"]),
        ],
    )


def test_a_fact_without_any_form_is_given_for_every_form(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "combien de fondateurs minimum faut il",
                ["Association", "ONG", "SCOOPS", "COOP-CA", "Mutuelle", "[M'aider à choisir]"],
            ),
        ],
    )


def test_placeholders_are_said_unknown_never_shown(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("combien de temps vous les gardez", ["à confirmer auprès de la DGES", "!COMPLÉTER"]),
            ("relais territoriaux", ["prévus", "Libreville", "!COMPLÉTER"]),
        ],
    )


@both_packs
def test_data_protection_questions_get_purpose_retention_law_and_authority(
    chat: Chat, country: str
) -> None:
    no_dump = "!Voici ce que nous gardons sur vous"
    words = PACK_WORDS[country]
    verify_dialog(
        chat,
        [
            ("que faites-vous de mes données", ["pré-inscription", "agents", no_dump]),
            ("combien de temps vous les gardez", ["conservation", no_dump]),
            ("qui contrôle ?", [words["authority"], "[En savoir plus]", no_dump]),
            ("[En savoir plus]", [words["law"], words["authority"]]),
            ("quelle loi protège mes données", [words["law"], words["law_more"]]),
            ("je veux voir mes données", "Voici ce que nous gardons sur vous"),
        ],
    )


def test_comparisons_answer_instead_of_starting_the_helper(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "asso ou ONG ?",
                [
                    "Association ou ONG",
                    "Fondateurs",
                    "[Guide : Association]",
                    "!Je vais vous poser",
                ],
            ),
            ("SCOOPS ou COOP-CA ?", ["comité de gestion", "3 à 12", "quart", "!Répondez par oui"]),
            ("différence entre mutuelle et coopérative", ["cotisations", "OHADA", "2024"]),
            ("association vs fondation", ["dotation", "Fondation", "35/62"]),
            ("[M'aider à choisir]", ["questions", "[Oui]"]),
        ],
    )


def test_another_country_hears_what_the_service_covers(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "en Algérie, loi 12-06, combien de fondateurs pour une asso ?",
                ["Algérie", "Gabon", "!2 au minimum", "!Au moins 2 personnes"],
            ),
            ("au Cameroun cmt on cree une cooperative", ["Cameroun", "!Créer une coopérative"]),
            ("je vis au Gabon, comment créer une asso", ["Créer une association", "!un pays"]),
            ("[Menu]", "Que voulez-vous faire"),
            ("et au Maroc ?", ["Maroc", "[Démarches : Gabon]"]),
            ("[Démarches : Gabon]", "Quel type d'organisation"),
        ],
    )


def test_a_bare_form_name_opens_its_guide(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("mutuelle", ["Créer une mutuelle", "!Je vais vous poser"]),
            ("cooperative", "Créer une coopérative"),
            ("associasion", "Créer une association"),
            ("une fondation ?", "Créer une fondation"),
            ("ONG", "Créer une ONG"),
        ],
    )


def test_group_size_names_every_possible_cooperative_form(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "on est 20, on veut créer une coopérative",
                ["Avec 20 membres", "SCOOPS", "COOP-CA", "!la forme qui vous convient"],
            ),
            ("je sais pas quelle structure choisir", "[Oui]"),
            ("oui", "Combien"),
            ("20", ["SCOOPS", "COOP-CA", "sans maximum", "!Je vous conseille : Coopérative avec"]),
        ],
    )


def test_english_facts_comparisons_and_scope(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("english please", "English"),
            (
                "how many members do we need for a SCOOPS?",
                ["5", "no maximum", "[Guide: Cooperative]"],
            ),
            ("what is a recepisse", ["provisional", "final"]),
            ("SCOOPS vs COOP-CA", ["management committee", "board of directors", "Founders"]),
            ("in Senegal, how do I register an NGO?", ["Senegal", "Gabon", "!Create an NGO"]),
            ("what do you do with my data?", ["pre-registration", "DGES"]),
        ],
    )


def test_arabic_facts_comparisons_and_scope(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("العربية", "العربية"),
            ("ما هو الوصل", ["مؤقت", "نهائي"]),
            ("كم عدد أعضاء مجلس الإدارة", ["3 إلى 12"]),
            ("ما الفرق بين الجمعية والتعاونية", ["الجمعية", "التعاونية", "35/62"]),
            ("كيف أؤسس جمعية في الجزائر", ["الجزائر", "الغابون"]),
            ("من يراقب استعمال بياناتي", "APDPVP"),
        ],
    )


def test_a_form_named_after_which_organisation_opens_the_part_asked(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("combien ça coûte ?", "Pour quel type d'organisation ?"),
            ("asso", ["Coûts", "10\u00a0000\u00a0FCFA"]),
        ],
    )


@both_packs
def test_the_data_protection_answer_is_among_the_other_topics(chat: Chat, country: str) -> None:
    words = PACK_WORDS[country]
    verify_dialog(
        chat,
        [
            ("menu", "[Autres questions]"),
            ("[Autres questions]", "[Protection des données]"),
            (
                "[Protection des données]",
                [words["law"], words["authority"], "!Voici ce que nous gardons"],
            ),
        ],
    )


def test_a_question_no_fact_answers_gets_no_other_facts_answer(chat: Chat) -> None:
    # No fact says what an acronym is: the selector's best guess is not said as if it were.
    verify_dialog(
        chat,
        [
            ("c quoi un sigle", ["!OHADA", "!récépissé", "!utilité publique"]),
            ("c koi l'ohada", "Organisation pour l'harmonisation"),
        ],
    )
