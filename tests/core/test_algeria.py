"""What the Algerian pack decides and the core reads from it: wilayas, the association's
scope and its founders, the dinar, +213, DZ references, Algiers time, and what it covers."""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.app import build_router
from bot.content import DEFAULT_CONTENT_DIR, check_pack, load_pack
from bot.content.territory import RegionStatus
from bot.core.engine import Engine
from bot.core.flows.country_fields import read_scope
from bot.core.i18n import Catalogues
from bot.core.turn import Services
from bot.domain import Locale, OrgType, Scope
from bot.settings import Settings
from tests.transcript import Chat, both_packs, verify_dialog

DZ = load_pack(DEFAULT_CONTENT_DIR, "dz")
GA = load_pack(DEFAULT_CONTENT_DIR, "ga")


@pytest.fixture
def dz_chat(database: DatabaseEngine, services_by_pack: Callable[[str], Services]) -> Chat:
    services = services_by_pack("dz")
    return Chat(Engine(database=database, services=services, router=build_router()))


def test_58_wilayas_and_11_pending() -> None:
    regions = DZ.territory.regions
    in_force = [region for region in regions if region.status is RegionStatus.IN_FORCE]
    assert len(in_force) == 58
    assert [region.code for region in in_force] == [str(number) for number in range(1, 59)]
    pending = DZ.territory.pending()
    assert len(pending) == 11
    assert {region.approved for region in pending} == {DZ.territory.as_of}
    assert {"Aflou", "Bou Saâda", "El Aricha"} <= {region.name for region in pending}
    assert len(GA.territory.regions) == 9


@pytest.mark.parametrize(
    ("typed", "wilaya"),
    [
        ("16", "Alger"),
        ("wilaya 31", "Oran"),
        ("09", "Blida"),
        ("alger", "Alger"),
        ("Algiers", "Alger"),
        ("الجزائر", "Alger"),
        ("وهران", "Oran"),
        ("bejaia", "Béjaïa"),
        ("El Asnam", "Chlef"),
        ("El Goléa", "El Meniaa"),
        ("ولاية قسنطينة", "Constantine"),
        # During the transition both the new wilaya and the one it comes from are accepted.
        ("Bou Saada", "Bou Saâda"),
        ("M'Sila", "M'Sila"),
    ],
)
def test_a_wilaya_by_number_name_arabic_or_former_name(typed: str, wilaya: str) -> None:
    found = DZ.province(typed)
    assert found is not None and found.name == wilaya


def test_unknown_wilayas_and_gabon_s_provinces_are_not_wilayas() -> None:
    assert DZ.province("70") is None
    assert DZ.province("Estuaire") is None
    assert GA.province("Oran") is None
    assert GA.province("Oyem") is not None


@pytest.mark.parametrize(
    ("typed", "scope"),
    [
        ("communale", Scope.COMMUNAL),
        ("une association locale", Scope.COMMUNAL),
        ("بلدية", Scope.COMMUNAL),
        ("de wilaya", Scope.WILAYA),
        ("ولائية", Scope.WILAYA),
        ("inter-wilayas", Scope.INTER_WILAYA),
        ("ما بين الولايات", Scope.INTER_WILAYA),
        ("nationale", Scope.NATIONAL),
        ("national", Scope.NATIONAL),
        ("وطنية", Scope.NATIONAL),
        ("wataniya", Scope.NATIONAL),
        ("Association nationale (tout le pays)", Scope.NATIONAL),
    ],
)
def test_scopes_typed_in_four_languages(typed: str, scope: Scope) -> None:
    rules = DZ.procedures[OrgType.ASSOCIATION].founders_by_scope
    assert read_scope(typed, rules, "fr") is scope


def test_nothing_else_is_a_scope() -> None:
    rules = DZ.procedures[OrgType.ASSOCIATION].founders_by_scope
    for typed in ("association", "oui", "12", ""):
        assert read_scope(typed, rules, "fr") is None


def test_founders_depend_on_the_scope_in_the_form(dz_chat: Chat) -> None:
    verify_dialog(
        dz_chat,
        [
            ("je veux pré-inscrire mon association", "[J'accepte]"),
            ("[J'accepte]", ["portée", "[Association nationale"]),
            ("une association", ["portée", "!Quel est le nom"]),
            ("wataniya", "Quel est le nom"),
            ("Réseau national", "sigle"),
            ("non", "secteur"),
            ("2", "wilaya"),
            ("Tlemcen", "commune"),
            ("Tlemcen", "fondateurs"),
            ("21", ["au moins 25", "Association nationale"]),
            ("modifier", "Que voulez-vous modifier"),
            ("[Portée]", "portée"),
            ("inter-wilayas", "membres fondateurs"),
            ("21", "personne à contacter"),
            # A wider scope later asks the founders again: 21 are not enough for it.
            ("modifier", "Que voulez-vous modifier"),
            ("[Portée]", "portée"),
            ("nationale", "membres fondateurs"),
        ],
    )


def test_the_founders_follow_up_answers_per_scope(dz_chat: Chat) -> None:
    verify_dialog(
        dz_chat,
        [
            ("comment créer une association ?", "Créer une association"),
            (
                "on est 16",
                [
                    "Avec 16 membres fondateurs",
                    "Association communale (une commune) : possible (au moins 10)",
                    "Association de wilaya (une wilaya) : possible (au moins 15)",
                    "Association inter-wilayas (plusieurs wilayas) : pas assez, il en faut au "
                    "moins 21",
                    "Association nationale (tout le pays) : pas assez, il en faut au moins 25",
                ],
            ),
        ],
    )


def test_the_dinar_is_written_without_centimes(settings: Settings) -> None:
    catalogues = Catalogues(settings.locales_dir, settings.tz)
    sign = {item.locale: item.sign for item in DZ.country.currency.signs}
    assert DZ.country.currency.digits == 0
    french = catalogues.translator(Locale.FR)
    amount = french.format_amount(10000, "DZD", digits=0, sign=sign["fr"])
    assert amount == "10\u00a0000\u00a0DA"
    arabic = catalogues.translator(Locale.AR).format_amount(10000, "DZD", digits=0, sign="دج")
    assert arabic.endswith("دج") and "10" in arabic and ".00" not in arabic
    english = catalogues.translator(Locale.EN).format_amount(10000, "DZD", digits=0)
    assert english == "10,000 Algerian dinars"
    # Gabon's francs keep Babel's own writing.
    assert french.format_amount(10000, "XAF") == "10\u00a0000\u00a0FCFA"


def test_algiers_time_unless_set(tmp_path: Path) -> None:
    assert Settings(_env_file=None, country="dz").timezone == "Africa/Algiers"  # type: ignore[call-arg]
    assert Settings(_env_file=None, country="ga").timezone == "Africa/Libreville"  # type: ignore[call-arg]
    chosen = Settings(_env_file=None, country="dz", timezone="Europe/Paris")  # type: ignore[call-arg]
    assert chosen.timezone == "Europe/Paris"


def test_phone_and_reference_come_from_the_pack(dz_chat: Chat) -> None:
    assert (DZ.country.phone_region, DZ.country.reference_prefix) == ("DZ", "DZ")
    assert DZ.country.timezone == "Africa/Algiers"
    assert DZ.country.currency.code == "DZD"


def test_each_deployment_says_what_it_covers(
    dz_chat: Chat, database: DatabaseEngine, services_by_pack: Callable[[str], Services]
) -> None:
    verify_dialog(
        dz_chat,
        [
            ("comment créer une association à Libreville ?", ["Algérie", "Gabon", "!Les étapes"]),
            ("et au Gabon, la DGES ?", ["Algérie", "Gabon"]),
            ("je suis à Oran, comment créer une association", ["Créer une association"]),
        ],
    )
    gabon = Chat(
        Engine(database=database, services=services_by_pack("ga"), router=build_router()),
        sender="bob",
    )
    verify_dialog(
        gabon,
        [
            ("je suis à Oran, comment créer une asso ?", ["Gabon", "Algérie", "!Les étapes"]),
            ("une association de wilaya", ["Gabon", "Algérie"]),
        ],
    )


def test_content_check_lists_placeholders_not_errors() -> None:
    report = check_pack(DEFAULT_CONTENT_DIR, "dz")
    assert report.ok, report.errors
    files = {placeholder.file for placeholder in report.placeholders}
    assert "content/dz/pack.yml" in files and "content/dz/offices.yml" in files


NO_PLACEHOLDER = ["!COMPLÉTER", "!COMPLETER", "![À", "!À COMPL"]


@both_packs
def test_documents_fees_and_delays_of_a_form_are_its_facts(chat: Chat, country: str) -> None:
    fee = {
        "ga": "FCFA payés au Journal officiel",
        "dz": "à confirmer auprès de la structure chargée de l'ESS",
    }
    verify_dialog(
        chat,
        [
            (
                "quels documents pour une association ?",
                ["Association, documents à fournir", "statuts", "Vérifié le", *NO_PLACEHOLDER],
            ),
            ("c'est combien ?", ["Association, frais", fee[country], *NO_PLACEHOLDER]),
            ("how long does it take", ["Association, time it takes", *NO_PLACEHOLDER]),
        ],
    )


def test_algerian_fees_and_delays_the_sources_lack_are_left_to_the_administration(
    dz_chat: Chat,
) -> None:
    later = "يجب التأكد منه لدى الإدارة المكلفة بالاقتصاد الاجتماعي والتضامني"
    verify_dialog(
        dz_chat,
        [
            ("ch7al ykhalas bach ndir jam3iya", ["الجمعية، الرسوم", later, *NO_PLACEHOLDER]),
            ("كم تكلف التعاونية", ["التعاونية", "الرسوم", later, *NO_PLACEHOLDER]),
            ("قداش من وقت باش تتسجل الجمعية", ["الجمعية، الآجال", later, *NO_PLACEHOLDER]),
            (
                "how long does it take for a mutual",
                ["time it takes", "to be confirmed with the SSE administration", *NO_PLACEHOLDER],
            ),
            ("wach men wra9 lazem l jam3iya", ["الوثائق المطلوبة", "محضر", *NO_PLACEHOLDER]),
        ],
    )
    # No amount is made up where the sources give none: the only digits are the law's.
    dz_chat.send("c'est combien pour une association ?")
    answer = dz_chat.transcript().split("Sources")[0]
    assert "à confirmer auprès de la structure chargée de l'ESS" in answer
    assert not re.search(r"\d", answer)


@both_packs
@pytest.mark.parametrize("hello", ["bonjour", "hello", "مرحبا"])
def test_the_greeting_names_the_administration_once(chat: Chat, country: str, hello: str) -> None:
    answer = chat.send(hello).split("\n")[0]
    if country == "dz":
        expected = {
            "bonjour": "Bonjour ! Je suis Relais, l'assistant de la structure chargée de l'ESS.",
            "hello": "Hello! I am Relais, the assistant of the SSE administration.",
            "مرحبا": "مرحبًا! أنا Relais، مساعد الإدارة المكلفة بالاقتصاد الاجتماعي والتضامني.",
        }[hello]
    else:
        expected = {
            "bonjour": "Bonjour ! Je suis Relais, l'assistant de la DGES pour l'économie sociale "
            "et solidaire.",
            "hello": "Hello! I am Relais, the DGES assistant for the social and solidarity "
            "economy.",
            "مرحبا": "مرحبًا! أنا Relais، مساعد DGES للاقتصاد الاجتماعي والتضامني.",
        }[hello]
    assert answer == expected


MASHRIQ_MONTHS = ("يناير", "فبراير", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس")
MAGHREB_MONTHS = ("جانفي", "فيفري", "أفريل", "ماي", "جوان", "جويلية", "أوت")


def _months_written(country: str, months: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((DEFAULT_CONTENT_DIR / country).rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        for month in months:
            if re.search(rf"(?<![\u0600-\u06ff]){month}(?![\u0600-\u06ff])", text):
                found.append(f"{path.name}: {month}")
    return found


def test_arabic_months_are_algeria_s_in_algeria_and_the_standard_ones_in_gabon(
    settings: Settings, services_by_pack: Callable[[str], Services]
) -> None:
    day = date(2026, 6, 14)
    algeria = services_by_pack("dz").catalogues.translator(Locale.AR)
    gabon = services_by_pack("ga").catalogues.translator(Locale.AR)
    assert algeria.format_date(day) == "14 جوان 2026"
    assert algeria.format_date(date(2026, 7, 5)) == "5 جويلية 2026"
    assert gabon.format_date(day) == "14 يونيو 2026"
    assert "جوان" in algeria.format_datetime(datetime_at(day))
    assert (algeria.month_name(5), gabon.month_name(5)) == ("ماي", "مايو")
    # French and English dates, and Arabic numbers, are the same in both countries.
    for locale in (Locale.FR, Locale.EN):
        dz_dates = services_by_pack("dz").catalogues.translator(locale)
        ga_dates = services_by_pack("ga").catalogues.translator(locale)
        assert dz_dates.format_date(day) == ga_dates.format_date(day)
    assert algeria.format_number(1234.5) == gabon.format_number(1234.5)
    # The months the content writes follow the same use.
    assert _months_written("dz", MASHRIQ_MONTHS) == []
    assert _months_written("ga", MAGHREB_MONTHS) == []


def datetime_at(day: date) -> datetime:
    """Return 9:30 on a day, in UTC."""
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("opening", "follow_ups"),
    [
        (
            "wach lazem bach ndir jam3iya f la commune",
            [("w l wra9 ?", "صحيفة السوابق"), ("w ch7al yaklef ?", "الرسوم")],
        ),
        (
            "how many founders for an association covering several wilayas",
            [("and which documents?", "criminal record"), ("where do we file it?", "Interior")],
        ),
    ],
)
def test_follow_ups_after_an_associations_scope_stay_on_associations(
    dz_chat: Chat, opening: str, follow_ups: list[tuple[str, str]]
) -> None:
    dz_chat.send(opening)
    for text, expected in follow_ups:
        answer = dz_chat.send(text)
        assert expected in answer, answer
        assert "type of organisation" not in answer and "لأي نوع" not in answer
