"""Reading what people type: counts in words and digits of three scripts, questions, greetings."""

import pytest

from bot.core.keywords import after_greeting, is_acknowledgement, is_resume_word
from bot.text import is_question, read_count, stated_group_size


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("12", 12),
        ("nous sommes 12", 12),
        ("cinq", 5),
        ("douze", 12),
        ("on est sept", 7),
        ("vingt et un", 21),
        ("quatre-vingt-dix", 90),
        ("deux", 2),
        ("un", 1),
        ("twenty", 20),
        ("twenty members", 20),
        ("we are four", 4),
        ("forty two", 42),
        ("١٢", 12),
        ("۷", 7),
        ("خمسة", 5),
        ("خمسه", 5),
        ("ثلاثة عشر", 13),
        ("اثنا عشر", 12),
        ("خمسة وعشرون", 25),
        ("عشرين", 20),
        ("مئة", 100),
    ],
)
def test_counts_in_digits_and_words(text: str, count: int) -> None:
    assert read_count(text) == count


@pytest.mark.parametrize("text", ["beaucoup", "plein", "a lot", "كثير", "", "je sais pas"])
def test_words_that_are_not_counts(text: str) -> None:
    assert read_count(text) is None


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("on est 9", 9),
        ("on est sept", 7),
        ("nous sommes douze", 12),
        ("ns sommes deux", 2),
        ("on sera quatre-vingt-dix", 90),
        ("on est a 20", 20),
        ("we are 4", 4),
        ("we're three", 3),
        ("we will be fifteen", 15),
        ("12 membres", 12),
        ("on est 8 agriculteurs, on veut une coopérative", 8),
        ("twenty members", 20),
        ("نحن خمسة", 5),
        ("نحن خمسة وعشرون", 25),
        ("عددنا ١٢", 12),
        ("12 مؤسسين", 12),
        ("on est que trois", 3),
        ("un groupe de 10 femmes", 10),
        ("we are a group of 25", 25),
        ("on est environ 30", 30),
    ],
)
def test_group_sizes_stated(text: str, count: int) -> None:
    assert stated_group_size(text) == count


@pytest.mark.parametrize(
    "text",
    [
        "bjr cmt on fait 1 coop",
        "cmt créer 1 asso stp",
        "j'ai 3 enfants",
        "on est prêts",
        "le 14 mai",
    ],
)
def test_numbers_that_are_not_group_sizes(text: str) -> None:
    assert stated_group_size(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "c'est quoi un sigle ?",
        "c quoi un sigle",
        "c koi 1 sigle",
        "pourquoi vous voulez mon numéro",
        "pk mon numero",
        "cmt on fait",
        "combien ça coûte",
        "why do you need my phone",
        "what is an acronym",
        "لماذا تريد رقمي",
        "ما هو الرمز",
        "هل يمكن",
        "Oyem ?",
        "رقم؟",
    ],
)
def test_questions(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize(
    "text", ["Les Amis du Quartier", "Oyem", "AJF", "077 12 34 56", "Quimperlé", "non", "Marie"]
)
def test_answers_are_not_questions(text: str) -> None:
    assert not is_question(text)


@pytest.mark.parametrize(
    "text",
    ["ok", "OK", "okay", "d'accord", "dac", "merci", "ok merci", "okay thanks", "👍", "حسنا"],
)
def test_acknowledgements(text: str) -> None:
    assert is_acknowledgement(text)


@pytest.mark.parametrize("text", ["", "😀", "oui", "non", "Les Amis", "okapi"])
def test_not_acknowledgements(text: str) -> None:
    assert not is_acknowledgement(text)


@pytest.mark.parametrize("text", ["reprendre", "Continuer", "on continue", "resume", "متابعة"])
def test_resume_words(text: str) -> None:
    assert is_resume_word(text)


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("bjr cmt on fait 1 coop", "cmt on fait 1 coop"),
        ("salam, how do I create an NGO", "how do I create an NGO"),
        ("Bonsoir ! combien ça coûte", "combien ça coûte"),
        ("bonjour monsieur, je veux créer une asso", "je veux créer une asso"),
        ("مرحبا، كيف أنشئ جمعية", "كيف أنشئ جمعية"),
    ],
)
def test_the_question_after_a_greeting(text: str, rest: str) -> None:
    assert after_greeting(text) == rest


@pytest.mark.parametrize("text", ["bonjour", "slt slt", "hi", "bonjour !", "bonjourno", "history"])
def test_no_question_after_a_greeting(text: str) -> None:
    assert after_greeting(text) is None
