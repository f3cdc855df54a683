"""English and Arabic conversations, the reply's language, and the offer to switch."""

import re

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.core.actions import Faq, GuideSection, MainMenu, SetLanguage, ShowGuide
from bot.core.engine import Engine
from bot.domain import FaqTopic, Locale, OrgType
from bot.storage.database import new_session
from bot.storage.models import Registration
from tests.transcript import PACK_WORDS, Chat, both_packs, verify_dialog

# Words that only French uses, in the content and the catalogue: two of them in one line of
# an English reply mean a French sentence slipped in.
_FRENCH = """
    le la les des du une est sont pour avec dans vous votre vos nous aux auprès être avez
    pouvez demande dossier loi ministère
"""
FRENCH_WORDS = frozenset(_FRENCH.split())
# A Latin word of two letters or more that is not a name, an acronym or a web address.
_LATIN_WORD = re.compile(r"(?<![\w.])[a-zà-ÿ]{2,}(?![\w.])")


def french_lines(text: str) -> list[str]:
    """Return the lines of an English reply that read as French."""
    found = []
    for line in text.splitlines():
        words = re.findall(r"[a-zà-ÿ]+", line.casefold())
        if sum(word in FRENCH_WORDS for word in words) >= 2:
            found.append(line)
    return found


def latin_lines(text: str) -> list[str]:
    """Return the lines of an Arabic reply holding Latin prose (lowercase words)."""
    return [line for line in text.splitlines() if len(_LATIN_WORD.findall(line)) >= 2]


def test_an_english_speaker_gets_a_whole_guide_in_english(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "hello, how do I create an association?",
                [
                    "Create an association",
                    "Bring together at least 2 founders.",
                    "Law no. 35/62 of 10 December 1962",
                    "Checked on November 23, 2026",
                    "[Costs and time needed]",
                    "!Créer",
                    "!Loi n°",
                ],
            ),
            (
                "[Costs and time needed]",
                [
                    "10,000 Central African CFA francs",
                    "We know of no time limit set by law.",
                    "!FCFA",
                ],
            ),
            ("[Where to file]", ["Ministry of the Interior", "to be confirmed with the DGES"]),
            ("[Documents]", ["The statutes, in 3 copies.", "!exemplaires"]),
        ],
    )


def test_an_arabic_speaker_gets_a_whole_guide_in_arabic(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "كيف أنشئ تعاونية؟",
                ["إنشاء تعاونية", "سجل الشركات التعاونية", "المصادر", "!Créer", "!Étapes"],
            ),
            ("[التكاليف والمدة]", ["رسوم التسجيل في سجل الشركات التعاونية", "!frais"]),
        ],
    )


@both_packs
def test_darija_in_latin_letters_gets_arabic(chat: Chat) -> None:
    answer = chat.send("kifach ndir jam3iya")
    assert "إنشاء جمعية" in answer
    # The digit of "jam3iya" is a letter, not a number of founders.
    assert "3" not in answer.split("\n")[0]
    assert "wach kayen" not in chat.send("wach kayen financement")


def test_an_english_pre_registration_from_start_to_reference(
    chat: Chat, database: DatabaseEngine
) -> None:
    verify_dialog(
        chat,
        [
            ("I want to pre-register my organisation", ["Before we start", "[I agree]"]),
            ("yes", ["What type of organisation", "[Cooperative]"]),
            ("cooperative", "[Simplified cooperative (SCOOPS)]"),
            ("scoops", "What is the name of the organisation?"),
            # Names and places are data: they never turn the conversation to French.
            ("Les Amis de Bitam", ["acronym", "!sigle"]),
            ("no", ["sector", "[Farming, livestock, fishing]"]),
            ("1", "province"),
            ("woleu ntem", ["town or village", "!ville"]),
            ("Bitam", "founding members"),
            ("8", "contact person"),
            ("Marie Obame", "role"),
            ("1", "phone number"),
            ("077 12 34 56", "email"),
            ("marie@example.org", ["Here is your pre-registration", "Farming, livestock"]),
            ("[Confirm]", ["Thank you", "GA-20", "-00001"]),
        ],
    )
    with new_session(database) as session:
        [registration] = session.exec(select(Registration)).all()
    assert registration.name == "Les Amis de Bitam"
    assert registration.sector == "agriculture"


@both_packs
def test_an_arabic_menu_and_consent(chat: Chat, country: str) -> None:
    verify_dialog(
        chat,
        [
            ("السلام عليكم", ["[إنشاء منظمة]", "[التحدث مع موظف]", "!Créer"]),
            ("[التسجيل المسبق لمنظمتي]", [PACK_WORDS[country]["law_ar"], "[أوافق]", "!Loi"]),
        ],
    )
    # Rights are joined the Arabic way, not with a Latin comma.
    assert "معطياتكم, " not in chat.transcript()


@both_packs
def test_short_messages_keep_the_language(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("good morning, what can you do?", "[Create an organisation]"),
            ("1", ["What type of organisation", "!Quel"]),
            ("ok", "!Quel"),
            ("menu", ["What would you like to do", "!Que voulez-vous"]),
        ],
    )


def test_the_channel_hint_comes_after_the_message_itself(engine: Engine) -> None:
    chat = Chat(engine, locale_hint="ar")
    assert "[إنشاء منظمة]" in chat.send("menu")
    assert "Create an association" in chat.send("how do I create an association please")


def test_switching_is_offered_once_in_the_new_language(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("langue", "[English]"),
            ("[Français]", "français"),
            (
                "how much does it cost to create a cooperative?",
                [
                    "You are writing in English. Would you like to continue in English?",
                    "[Continue in English]",
                    # The answer itself stays in the chosen language.
                    "Coopérative, frais",
                ],
            ),
            (
                "and what documents do I need for it?",
                ["Coopérative, documents à fournir", "!Continue in"],
            ),
        ],
    )
    assert "English" in chat.send(payload=SetLanguage(Locale.EN).pack())
    assert "documents to provide" in chat.send("what documents do I need?")
    assert "Continue" not in chat.transcript()


@both_packs
def test_switching_to_arabic_is_offered_in_arabic(chat: Chat) -> None:
    chat.send("langue")
    chat.press("English")
    answer = chat.send("ما هي الوثائق المطلوبة لتأسيس جمعية")
    assert "هل تريدون المتابعة بالعربية؟" in answer
    assert "[المتابعة بالعربية]" in answer
    # The answer stays in the language chosen (a fact, or the guide's section).
    assert "documents to provide" in answer.casefold()


@pytest.mark.parametrize("language", ["English", "العربية"])
def test_no_reply_mixes_french_in(engine: Engine, language: str) -> None:
    chat = Chat(engine, sender=f"reader-{language}")
    chat.send("langue")
    chat.press(language)
    payloads = [MainMenu().pack(), *(Faq(topic).pack() for topic in FaqTopic)]
    payloads += [
        ShowGuide(org_type, section).pack() for org_type in OrgType for section in GuideSection
    ]
    for payload in payloads:
        answer = chat.send(payload=payload)
        strays = french_lines(answer) if language == "English" else latin_lines(answer)
        assert not strays, f"{payload}: {strays}"
        assert "À COMPLÉTER" not in answer
