"""Transcripts of the documents, fees, delays and filing place of each form, asked as facts of
their own: directly, typed as people type them, and as follow-ups of what was said before.

The fees and delays the sources do not give are the pack's placeholders: they are said to be
confirmed with the DGES, never shown. WhatsApp replays these transcripts too.
"""

import pytest

from tests.transcript import Chat, verify_dialog

NOT_UNDERSTOOD = "!Je n'ai pas compris"
PLACEHOLDER = "!COMPLÉTER"
FULL_GUIDE = "!Les étapes :"
FEE = "10\u00a0000\u00a0FCFA"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Documents, each form.
        ("quels papiers pour une asso", ["Association, documents à fournir", "3 exemplaires"]),
        ("kels papiers pr 1 ong", ["ONG, documents à fournir", "règlement intérieur"]),
        ("les pieces a fournir pour une cooperative", ["Coopérative, documents", "notaire"]),
        ("il faut quels docs pour la scoops", ["SCOOPS, documents", "sous seing privé"]),
        ("documents pour une mutuelle", ["Mutuelle, documents", "à confirmer auprès de la DGES"]),
        ("kel dossier pour une fondation", ["Fondation, documents", "Journal officiel"]),
        # Fees: the one sourced amount with its source and review date, the others unknown.
        ("c combien pour une asso", ["Association, frais", FEE, "ministère de l'Intérieur"]),
        ("ça coute cb une ONG", ["ONG, frais", FEE, "Vérifié le 23 novembre 2026"]),
        ("combien on paie pour une coop", ["Coopérative, frais", "à confirmer auprès de"]),
        ("frais pour la coop ca", ["COOP-CA, frais", "Registre des sociétés coopératives"]),
        ("c gratuit pour une mutuelle ?", ["Mutuelle, frais", "à confirmer auprès de la DGES"]),
        ("prix pour une fondation", ["Fondation, frais", FEE, "a pu changer"]),
        # Delays: the 3 months are said unverified, the unknown said unknown.
        (
            "ça prend combien de temps pour une asso",
            ["Association, délais", "3 mois", "pas vérifié"],
        ),
        ("delai pr une ong", ["ONG, délais", "récépissé provisoire", "pas un délai légal"]),
        ("c long pour une coopérative ?", ["Coopérative, délais", "à confirmer auprès de la DGES"]),
        ("combien de temps pour une coop-ca", ["COOP-CA, délais", "3 ans"]),
        ("délai pour une mutuelle", ["Mutuelle, délais", "Aucun délai fixé par la loi"]),
        ("combien de mois pour une fondation", ["Fondation, délais", "3 mois", "pas vérifié"]),
        # Where to file, with the offices (their unknown addresses said unknown).
        ("je dépose où pour une asso", ["Association, où déposer", "ministre de l'Intérieur"]),
        ("ou deposer le dossier d'une ONG", ["ONG, où déposer", "Journal officiel", "Adresse"]),
        ("ou on depose pour une coop", ["Coopérative, où déposer", "ministère de l'Agriculture"]),
        ("où déposer pour une mutuelle", ["Mutuelle, où déposer", "agrément"]),
        ("on dépose où le dossier d'une fondation", ["Fondation, où déposer", "Intérieur"]),
    ],
)
def test_each_form_s_documents_fees_delays_and_place(
    chat: Chat, question: str, expected: list[str]
) -> None:
    verify_dialog(chat, [(question, [*expected, PLACEHOLDER, FULL_GUIDE, NOT_UNDERSTOOD])])


def test_follow_ups_keep_the_form_or_the_fact_asked(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("quels papiers pour une association ?", "Association, documents à fournir"),
            ("et pour une coopérative ?", ["Coopérative, documents à fournir", NOT_UNDERSTOOD]),
            ("c'est combien ?", ["Coopérative, frais", PLACEHOLDER]),
            ("je dépose où ?", ["Coopérative, où déposer", "Agriculture"]),
            ("ça prend combien de temps ?", ["Coopérative, délais", FULL_GUIDE]),
            ("et pour une asso ?", ["Association, délais", "3 mois"]),
            ("quels papiers ?", ["Association, documents à fournir", "3 exemplaires"]),
            ("et pr une fondation", "Fondation, documents à fournir"),
            ("et les frais ?", ["Fondation, frais", FEE]),
        ],
    )


def test_a_scoops_named_before_picks_its_facts(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("faut combien de membres pour une scoops", ["SCOOPS", "5"]),
            ("ça prend combien de temps ?", ["SCOOPS, délais", "!COOP-CA"]),
            ("et pour une coop ca ?", ["COOP-CA, délais", "3 ans"]),
        ],
    )


def test_which_type_asked_first_then_the_fact(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("ça prend combien de temps ?", "Pour quel type d'organisation ?"),
            ("une asso", ["Association, délais", "3 mois", "pas vérifié"]),
            ("et une mutuelle ?", "Mutuelle, délais"),
            ("quels papiers ?", ["Mutuelle, documents", "à confirmer auprès de la DGES"]),
        ],
    )


def test_the_fact_s_button_opens_the_part_of_the_guide(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("c'est combien pour une asso ?", ["Association, frais", "[Coûts et délais : "]),
            ("[Coûts et délais : Association]", ["Coûts — Créer une association", "Délais"]),
        ],
    )


def test_one_aspect_of_two_forms_side_by_side(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "les frais d'une asso et d'une coop",
                ["Frais", "• Association", FEE, "• Coopérative", "!Fondateurs", PLACEHOLDER],
            ),
        ],
    )


def test_in_english(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("english please", "English"),
            ("how much does it cost to register an NGO?", ["NGO, fees", "10,000\u00a0FCFA"]),
            ("and for a cooperative?", ["Cooperative, fees", "to be confirmed", PLACEHOLDER]),
            ("how long does it take?", ["Cooperative, time it takes", "!vous"]),
            ("what papers do we need for a foundation", ["Foundation, documents to provide"]),
            ("where do we file?", ["Foundation, where to file", "Minister of the Interior"]),
        ],
    )


def test_in_arabic(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("العربية", "العربية"),
            ("كم تكلفة تسجيل جمعية", ["الجمعية، الرسوم", "10\u00a0000"]),
            ("ما هي مدة تأسيس تعاونية", ["التعاونية، الآجال", PLACEHOLDER]),
            ("أين أودع ملف مؤسسة", ["المؤسسة، مكان الإيداع", "وزير الداخلية"]),
            ("ما هي الوثائق المطلوبة لتأسيس جمعية", ["الجمعية، الوثائق المطلوبة", "3 نسخ"]),
        ],
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("شحال نخلص باش ندير جمعية", "10\u00a0000"),
        ("وين نحط الملف تاع التعاونية", "وزارة الفلاحة"),
        ("chhal lazem nkhalas bach ndir association", "10\u00a0000"),
        ("win n7at dossier ta3 association", "وزير الداخلية"),
    ],
)
def test_in_darija(chat: Chat, question: str, expected: str) -> None:
    # Darija is read, and answered in Arabic, the language of the replies it is closest to.
    verify_dialog(chat, [(question, [expected, PLACEHOLDER, NOT_UNDERSTOOD])])
