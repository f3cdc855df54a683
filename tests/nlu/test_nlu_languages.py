"""Arabic, Darija and English: normalisation, language detection, parsing and scores."""

import pytest

from bot.domain import Locale
from nlu.embedded import EmbeddedParser
from nlu.language import detect_language
from nlu.languages import held_out_by_language, variety_of
from nlu.normalization import fold, normalize_text
from nlu.training_data import Example


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("إنشاء جمعية", "انشاء جمعيه"),  # hamza under the alef, ta marbuta
        ("أريد", "اريد"),  # hamza above
        ("آخر", "اخر"),  # madda
        ("جـــمعية", "جمعيه"),  # tatweel
        ("جَمْعِيَّة", "جمعيه"),  # short vowels and shadda
        ("على", "علي"),  # alef maqsura
        ("مسؤول", "مسوول"),  # hamza on waw
        ("٢٠٢٦", "2026"),  # Arabic-Indic digits
    ],
)
def test_arabic_spellings_fold_to_one_form(variant: str, plain: str) -> None:
    assert normalize_text(variant) == normalize_text(plain)
    assert len(fold(variant)) <= len(variant)


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("kifash ndir jam3iya", "kifach ndir jam3iya"),
        ("djam3iya", "jam3iya"),
        ("nchoufou khouya", "nchufu khuya"),
        ("KIFACH NDIR JAM3IYA", "kifach ndir jam3iya"),
    ],
)
def test_arabizi_spellings_fold_to_one_form(variant: str, plain: str) -> None:
    assert normalize_text(variant) == normalize_text(plain)


def test_sms_french_is_not_read_into_darija() -> None:
    # "ki" is French SMS for "qui", but in a Darija message it stays a Darija word.
    assert "qui" in normalize_text("ki veut venir")
    assert "qui" not in normalize_text("ki nsajel jam3iya")


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Bonjour, je voudrais créer une association", Locale.FR),
        ("cmt créer 1 asso stp", Locale.FR),
        ("how do I register my cooperative?", Locale.EN),
        ("I want to pre-register my organisation", Locale.EN),
        ("كيف أنشئ جمعية", Locale.AR),
        ("واش لازم باش ندير جمعية", Locale.AR),
        ("kifach ndir jam3iya", Locale.AR),
        ("bghit nsajel", Locale.AR),
    ],
)
def test_the_language_of_a_sentence(text: str, locale: Locale) -> None:
    written = detect_language(text)
    assert written is not None
    assert written.locale is locale


@pytest.mark.parametrize("text", ["ok", "1", "menu", "stop", "oui", "non", "Marie Obame", "", "?"])
def test_short_or_unclear_messages_have_no_language(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("text", "intent", "org_type"),
    [
        ("kifach ndir jam3iya", "how_to_create", "association"),
        ("bghit nsajel ta3awoniya ta3na", "preregister", "cooperative"),
        ("ch7al tkalef", "ask_cost", None),
        ("شحال تطول الإجراءات", "ask_duration", None),
        ("وين نحط الدوسي تاعي", "ask_office", None),
        ("ما هي الوثائق اللازمة لإنشاء جمعية", "ask_documents", "association"),
        ("يعطيك الصحة خويا", "thanks", None),
        ("can I talk to someone from the office", "human_handoff", None),
        ("how long does registration take", "ask_duration", None),
    ],
)
def test_parses_arabic_darija_and_english(
    parser: EmbeddedParser, text: str, intent: str, org_type: str | None
) -> None:
    result = parser.parse(text)
    assert result.intent == intent
    assert result.entity("org_type") == org_type


def test_examples_are_sorted_by_language() -> None:
    def example(text: str, source: str) -> Example:
        return Example(text=text, intent="greet", source=f"{source}: entry 0")

    assert variety_of(example("hi", "nlu/data/en.yml")) == "en"
    assert variety_of(example("salam", "nlu/data/darija_latin.yml")) == "darija-latin"
    assert variety_of(example("x", "nlu/test/darija-arabic.yml")) == "darija-arabic"
    assert variety_of(example("مرحبا بكم", "nlu/data/conversation.yml")) == "ar"
    assert variety_of(example("wach rak khouya", "nlu/data/conversation.yml")) == "darija-latin"
    assert variety_of(example("bonjour à tous", "nlu/data/conversation.yml")) == "fr"


def test_every_language_is_understood_on_phrasings_never_trained_on() -> None:
    report = held_out_by_language()
    assert {row.language for row in report.languages} == {
        "fr",
        "en",
        "ar",
        "darija-arabic",
        "darija-latin",
    }
    for row in report.languages:
        assert row.examples >= 60, row
        assert row.f1 >= 0.9, row
    assert report.overall.f1 >= 0.95
