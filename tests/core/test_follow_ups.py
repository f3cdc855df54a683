"""Free-text follow-ups read against the conversation so far: the form discussed, the section
shown, the last recommendation, a group size, greetings in front of questions, acknowledgements.

Each transcript is replayed over WhatsApp and Telegram (see their `test_conversation_*`).
"""

from tests.transcript import Chat, both_packs, verify_dialog

IN_ENGLISH = [("langue", "[English]"), ("[English]", "English")]
IN_ARABIC = [("langue", "[العربية]"), ("[العربية]", "العربية")]


def test_and_for_a_coop_keeps_the_section_shown(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("cmt creer 1 asso stp", ["Créer une association", "Les étapes"]),
            ("combien ça coute", ["Association, frais", "FCFA"]),
            ("et pour une coop ?", ["Coopérative, frais", "!Je n'ai pas compris"]),
            ("et pr une mutuelle", "Mutuelle, frais"),
            ("et les papiers ?", "Mutuelle, documents à fournir"),
            ("et pour une fondation", "Fondation, documents à fournir"),
            ("où deposer ?", "Fondation, où déposer"),
            ("et une ONG ?", "ONG, où déposer"),
        ],
    )


def test_a_section_asked_by_one_word_after_a_guide(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("je veux créer une cooperative", "Créer une coopérative"),
            ("et les frais ?", ["Coopérative, frais", "!Pour quel type"]),
            ("les documents", "Coopérative, documents à fournir"),
            ("c combien", "Coopérative, frais"),
        ],
    )


def test_answering_which_type_keeps_the_section_asked(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("combien ça coûte ?", "Pour quel type d'organisation ?"),
            ("une coop", ["Coopérative, frais", "!Les étapes :"]),
            ("et pour une association ?", "Association, frais"),
        ],
    )


def test_follow_ups_in_english(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            *IN_ENGLISH,
            ("how do I create an association", "Create an association"),
            ("and the fees?", "Association, fees"),
            ("and for a cooperative?", ["Cooperative, fees", "!did not understand"]),
            ("what about an NGO?", "NGO, fees"),
            ("we are four", ["With 4 founding members:", "possible (at least 2)"]),
            ("which one then?", "From what you told me"),
        ],
    )


def test_follow_ups_in_arabic(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            *IN_ARABIC,
            ("كيف أنشئ جمعية", "[التكاليف والمدة]"),
            ("كم التكلفة؟", ["الجمعية، الرسوم", "10\u00a0000"]),
            ("وماذا عن التعاونية؟", ["التعاونية، الرسوم", "!لم أفهم"]),
            ("نحن خمسة", ["بـ5 أعضاء مؤسسين:", "SCOOPS", "ممكن", "COOP-CA", "غير كافٍ"]),
            ("أيهما", ["بحسب ما قلته لي", "SCOOPS", "!COOP-CA"]),
        ],
    )


def test_a_group_size_is_checked_against_the_form_discussed(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("cmt on cree une coop", "Créer une coopérative"),
            (
                "on est 9",
                [
                    "Avec 9 membres fondateurs",
                    "(SCOOPS) : possible (au moins 5)",
                    "(COOP-CA) : pas assez, il en faut au moins 15",
                ],
            ),
            ("laquelle alors ?", ["D'après ce que vous m'avez dit", "SCOOPS", "!COOP-CA"]),
            ("nous sommes douze", ["Avec 12 membres fondateurs", "(COOP-CA) : pas assez"]),
            (
                "et si on est vingt ?",
                ["Avec 20 membres fondateurs", "(COOP-CA) : possible", "(SCOOPS) : possible"],
            ),
            ("lequel alors", ["plusieurs formes sont possibles", "[M'aider à choisir]"]),
            ("on est 3", ["(SCOOPS) : pas assez", "Possible avec 3 membres", "Association"]),
        ],
    )


def test_too_few_founders_is_said_plainly(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("bonsoir, je veux créer une fondation", "Créer une fondation"),
            ("on est 1", ["Avec 1 membre fondateur :", "il en faut au moins 2", "2 personnes"]),
            ("ns sommes deux", ["Avec 2 membres fondateurs", "Fondation : possible"]),
        ],
    )


def test_a_group_size_with_no_form_discussed_lists_every_form(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "on est sept",
                [
                    "Avec 7 membres fondateurs",
                    "Association : possible",
                    "ONG : possible",
                    "(SCOOPS) : possible",
                    "(COOP-CA) : pas assez",
                    "Mutuelle",
                ],
            ),
        ],
    )


def test_group_size_stated_with_the_request(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "on est 20 agriculteurs, on veut une coopérative",
                ["Créer une coopérative", "Avec 20 membres", "(SCOOPS) : possible"],
            ),
            ("[Les documents]", "Documents à fournir"),
        ],
    )


@both_packs
def test_which_one_with_nothing_recommended_starts_the_questions(chat: Chat) -> None:
    verify_dialog(chat, [("laquelle choisir ?", ["questions courtes", "[Oui]", "[Non]"])])


def test_which_one_after_the_decision_helper(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("aide moi a choisir", "[Oui]"),
            ("oui", "Combien"),
            ("cinq", ["Je vous conseille", "SCOOPS"]),
            ("ok", ["D'accord", "!Je n'ai pas compris"]),
            ("laquelle alors ?", ["D'après ce que vous m'avez dit", "SCOOPS"]),
            ("[Voir le guide]", "Créer une coopérative"),
        ],
    )


def test_a_greeting_in_front_of_a_question_answers_the_question(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "bjr cmt on fait 1 coop",
                ["Bonjour !", "Créer une coopérative", "!Que voulez-vous faire", "!Avec 1 membre"],
            ),
            # Written in English: answered in English.
            ("salam, how do I create an NGO", ["Hello!", "Create an NGO", "!What would you like"]),
            ("bonsoir combien ça coûte une asso", ["Association, frais"]),
            ("slt slt", ["Bonjour", "Que voulez-vous faire"]),
            ("bonjour je m'appelle Marie", "Que voulez-vous faire"),
        ],
    )


@both_packs
def test_acknowledgements_are_understood_and_never_counted(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("cmt créer une asso", "Créer une association"),
            ("ok", ["D'accord", "!Je n'ai pas compris"]),
            ("d'accord", ["D'accord", "!Voulez-vous parler"]),
            ("ok merci", ["Avec plaisir", "!Voulez-vous parler"]),
            # Each acknowledgement in the language it is written in; an emoji keeps the last one.
            ("okay thanks", ["You are welcome", "!talk to a person"]),
            ("👍", ["All right", "!talk to a person"]),
            ("حسنا", ["حسنًا", "!D'accord"]),
            ("c'est noté", ["D'accord", "!Voulez-vous parler"]),
        ],
    )


@both_packs
def test_acknowledgements_in_arabic_and_english(chat: Chat) -> None:
    verify_dialog(chat, [*IN_ARABIC, ("حسنا", "اكتب سؤالك متى شئت"), ("شكرا", "على الرحب")])
    verify_dialog(chat, [*IN_ENGLISH, ("got it", "Type your question"), ("thx", "You are welcome")])


def test_an_acknowledgement_in_front_of_the_next_question(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("cmt creer une asso", "Créer une association"),
            ("ok merci, et les frais ?", ["Association, frais", "!Avec plaisir"]),
            ("d'accord. et pour une coop ?", "Coopérative, frais"),
            ("super, on est 12", ["Avec 12 membres fondateurs", "(SCOOPS) : possible"]),
            ("merci beaucoup pour votre aide", "Avec plaisir"),
        ],
    )


def test_pardon_repeats_the_last_question(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("combien ça coûte ?", "Pour quel type d'organisation ?"),
            ("pardon ?", ["Pour quel type d'organisation ?", "[Mutuelle]"]),
            ("3", "Coûts — Créer une coopérative"),
            ("aidez moi à choisir", "[Oui]"),
            ("vous pouvez répéter", ["Reprenons où nous en étions", "[Oui]"]),
        ],
    )
    verify_dialog(chat, [*IN_ENGLISH, ("help me choose", "[Yes]"), ("say again", "[Yes]")])


@both_packs
def test_my_file_after_a_guide_is_the_status_not_the_documents(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("cmt créer une asso", "Créer une association"),
            ("et mon dossier ?", ["pas encore de pré-inscription", "!Documents à fournir"]),
        ],
    )
