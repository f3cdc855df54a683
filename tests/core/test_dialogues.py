"""Transcripts of every flow of the core, played through the engine in the terminal channel."""

from tests.transcript import Chat, both_packs, verify_dialog


def test_greeting_shows_the_menu(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "bonjour",
                [
                    "Bonjour",
                    "Relais",
                    "DGES",
                    "[Créer une organisation]",
                    "[Parler à une personne]",
                ],
            ),
            ("menu", ["Que voulez-vous faire ?", "[Pré-inscrire mon organisation]"]),
            ("aide", ["annuler", "langue", "stop"]),
        ],
    )


def test_each_guide_from_the_menu(chat: Chat) -> None:
    for label, fragment in [
        ("Association", "Loi n°35/62"),
        ("ONG", "35/62"),
        ("Coopérative", "OHADA"),
        ("Mutuelle", "DGES"),
        ("Fondation", "35/62"),
    ]:
        chat.send("menu")
        chat.press("Créer une organisation")
        answer = chat.press(label)
        assert fragment in answer, answer
        assert "Les étapes" in answer
        assert "Vérifié le" in answer
        assert "[Les documents]" in answer


def test_free_text_guide_and_follow_ups(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "cmt créer 1 asso stp",
                ["Créer une association", "Les étapes", "Loi n°35/62", "Vérifié le"],
            ),
            ("et les documents ?", ["Documents à fournir", "statuts"]),
            ("combien ça coûte ?", ["Association, frais", "10\u00a0000\u00a0FCFA", "Sources"]),
            ("et le délai ?", ["Association, délais", "3 mois", "pas vérifié"]),
            ("où déposer le dossier ?", ["Où déposer", "Adresse"]),
        ],
    )


def test_group_size_suggests_the_cooperative_form(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "on est 8 agriculteurs, on veut une coopérative",
                ["Créer une coopérative", "Avec 8 membres", "SCOOPS"],
            ),
            ("[Les documents]", "Documents à fournir"),
        ],
    )


def test_follow_up_without_a_topic_asks_which_organisation(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("combien ça coûte ?", ["Pour quel type d'organisation ?", "[Mutuelle]"]),
            ("[Association]", ["Coûts", "FCFA"]),
        ],
    )


def test_decision_helper_recommends_scoops_for_eight_farmers(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("je sais pas quelle structure choisir", ["questions", "[Oui]", "[Non]"]),
            ("oui", "?"),
            ("8", ["Je vous conseille", "SCOOPS", "[Voir le guide]"]),
            ("[Voir le guide]", ["Créer une coopérative", "Les étapes"]),
        ],
    )


def test_decision_helper_by_buttons_reaches_mutual(chat: Chat) -> None:
    chat.send("menu")
    chat.press("M'aider à choisir")
    chat.press("Non")
    answer = chat.press("Oui")
    assert "Mutuelle" in answer or "mutuelle" in answer


@both_packs
def test_decision_helper_reasks_on_nonsense(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("aide moi a choisir", "[Oui]"),
            ("peut-être", ["Répondez par oui ou par non", "[Oui]"]),
            ("annuler", "j'arrête"),
        ],
    )


@both_packs
def test_subscribe_and_stop(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("abonnez-moi", ["C'est fait", "STOP"]),
            ("abonnez moi svp", "déjà abonné"),
            ("stop", "vous ne recevrez plus"),
            ("STOP", "aucune actualité"),
        ],
    )


@both_packs
def test_faq_answers_have_sources(chat: Chat) -> None:
    for question in [
        "c'est quoi l'ESS ?",
        "journée du commerce équitable",
        "financement pour mon asso",
    ]:
        answer = chat.send(question)
        assert "Sources :" in answer, (question, answer)


@both_packs
def test_handoff_is_recorded_once(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("je veux parler à un agent", "transmise"),
            ("je veux parler à un agent", "déjà transmise"),
        ],
    )


@both_packs
def test_garbage_and_emoji_get_the_menu_then_a_person(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("😀😀😀", ["Je n'ai pas compris", "[Créer une organisation]", "!Voulez-vous parler"]),
            ("qsdkjqsdlkj", ["Je n'ai pas compris", "Voulez-vous parler à une personne ?"]),
            ("x" * 10_000, "Je n'ai pas compris"),
        ],
    )


@both_packs
def test_language_switch(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("langue", ["Choisissez votre langue", "[English]", "[العربية]"]),
            ("[English]", "English"),
            ("langue", "[Français]"),
            ("[Français]", "français"),
        ],
    )


@both_packs
def test_topics_one_by_one(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("abonnez-moi", ["C'est fait", "[Choisir mes sujets]"]),
            ("[Choisir mes sujets]", ["✓ Actualités et campagnes", "✓ Commerce équitable"]),
            (
                "[Arrêter : Commerce équitable]",
                [
                    "Vous ne recevrez plus : Commerce équitable",
                    "✗ Commerce équitable",
                    "✓ Événements",
                ],
            ),
            ("[Recevoir : Commerce équitable]", "✓ Commerce équitable"),
            ("stop", "vous ne recevrez plus d'actualités"),
        ],
    )
