"""The shipped Gabon pack: it loads, passes the check, and says what the domain facts say."""

from datetime import date

import pytest
from babel import numbers

from bot.content import (
    DEFAULT_CONTENT_DIR,
    ContentPack,
    LocalizedText,
    check_pack,
    format_report,
    has_placeholder,
)
from bot.domain import CoopForm, FaqTopic, Locale, OrgType

REVIEWED = date(2026, 11, 23)


def test_pack_loads_with_the_country_facts(pack: ContentPack) -> None:
    country = pack.country
    assert pack.version == 1
    assert (country.code, country.phone_region, country.reference_prefix) == ("GA", "GA", "GA")
    assert country.timezone == "Africa/Libreville"
    assert country.directorate.acronym == "DGES"
    assert "01404/PR/MPMEA" in country.directorate.decree.fr
    assert country.content_reviewed == REVIEWED


def test_check_passes_and_lists_placeholders(pack: ContentPack) -> None:
    report = check_pack(DEFAULT_CONTENT_DIR, "ga")
    assert report.errors == []
    assert report.ok
    files = {placeholder.file for placeholder in report.placeholders}
    assert "content/ga/offices.yml" in files
    address = next(p for p in report.placeholders if p.entry == "offices[0].address.fr")
    assert address.text == "adresse du bureau de la DGES à Libreville"
    assert format_report(report).endswith(
        f"OK: 0 errors, {len(report.placeholders)} placeholders in {len(files)} files."
    )


def test_unknown_facts_are_placeholders(pack: ContentPack) -> None:
    assert has_placeholder(pack.country.ministry.name.fr)
    assert has_placeholder(pack.country.data_protection.retention.fr)
    for office in pack.offices.values():
        assert has_placeholder(office.phone), office.id
        assert has_placeholder(office.address.fr), office.id
        assert has_placeholder(office.hours.fr), office.id


@pytest.mark.parametrize("org_type", list(OrgType))
def test_every_org_type_has_a_sourced_reviewed_procedure(
    pack: ContentPack, org_type: OrgType
) -> None:
    procedure = pack.procedures[org_type]
    assert procedure.org_type is org_type
    assert procedure.sources
    assert procedure.reviewed == REVIEWED
    assert "DGES" in procedure.closing.fr
    assert "personne" in procedure.closing.fr
    assert procedure.steps and procedure.documents and procedure.fees


def test_association_filing_follows_law_35_62(pack: ContentPack) -> None:
    association = pack.procedures[OrgType.ASSOCIATION]
    assert association.min_founders == 2
    documents = "\n".join(document.fr for document in association.documents)
    for expected in (
        "écrite à la main",
        "statuts, en 3 exemplaires",
        "règlement intérieur, en 3 exemplaires",
        "signé par tous les participants",
        "date et lieu de naissance, profession, fonction, nationalité, domicile, adresse",
        "Journal officiel",
    ):
        assert expected in documents
    (fee,) = association.fees
    assert fee.amount == 10000
    assert fee.currency == "XAF"
    assert fee.source_note is not None
    assert "a pu changer" in fee.source_note.fr
    assert "FCFA" in numbers.format_currency(fee.amount, fee.currency, locale="fr")


def test_cooperative_variants_follow_ohada(pack: ContentPack) -> None:
    cooperative = pack.procedures[OrgType.COOPERATIVE]
    scoops = cooperative.variant(CoopForm.SCOOPS)
    coop_ca = cooperative.variant(CoopForm.COOP_CA)
    assert scoops is not None and coop_ca is not None
    assert (scoops.min_founders, coop_ca.min_founders, cooperative.min_founders) == (5, 15, 5)
    assert "article 223" in scoops.governance.fr
    assert "3 à 12" in coop_ca.governance.fr
    assert "quart" in coop_ca.capital.fr
    assert pack.procedures[OrgType.ASSOCIATION].variant(CoopForm.SCOOPS) is None


def test_uncertain_laws_are_flagged(pack: ContentPack) -> None:
    for org_type in (OrgType.NGO, OrgType.MUTUAL):
        caveats = pack.procedures[org_type].caveats
        assert caveats is not None
        assert "renseignez-vous auprès de la dges" in caveats.fr.casefold()
    mutual = pack.procedures[OrgType.MUTUAL]
    assert mutual.min_founders is None
    assert mutual.founders_note is not None


def test_faq_answers_every_topic(pack: ContentPack) -> None:
    assert set(pack.faq) == set(FaqTopic)
    for entry in pack.faq.values():
        assert entry.sources
        assert entry.reviewed == REVIEWED
    fair_trade = pack.faq[FaqTopic.FAIR_TRADE].answer.fr
    assert "14 mai" in fair_trade
    assert "deuxième samedi de mai" in fair_trade
    handoff = pack.faq[FaqTopic.HANDOFF].answer.fr
    assert has_placeholder(handoff)


def test_offices_by_org_type(pack: ContentPack) -> None:
    def ids(org_type: OrgType) -> set[str]:
        return {office.id for office in pack.offices_for(org_type)}

    assert {"interieur", "journal-officiel", "dges-libreville"} <= ids(OrgType.ASSOCIATION)
    assert "agriculture-cooperatives" in ids(OrgType.COOPERATIVE)
    assert "interieur" not in ids(OrgType.COOPERATIVE)
    assert pack.directorate_office.id == "dges-libreville"
    for procedure in pack.procedures.values():
        assert set(procedure.where_to_file.offices) <= ids(procedure.org_type)


def test_nine_provinces(pack: ContentPack) -> None:
    assert len(pack.territory.regions) == 9
    assert {p.name for p in pack.territory.regions} >= {"Woleu-Ntem", "Ogooué-Maritime"}


@pytest.mark.parametrize(
    ("typed", "province"),
    [
        ("franceville", "Haut-Ogooué"),
        ("Haut-Ogooué", "Haut-Ogooué"),
        ("haut ogooue", "Haut-Ogooué"),
        ("  PORT GENTIL ", "Ogooué-Maritime"),
        ("lambarene", "Moyen-Ogooué"),
        ("Ngounie", "Ngounié"),
    ],
)
def test_province_lookup(pack: ContentPack, typed: str, province: str) -> None:
    found = pack.province(typed)
    assert found is not None
    assert found.name == province


def test_unknown_province(pack: ContentPack) -> None:
    assert pack.province("Paris") is None
    assert pack.province("") is None


def test_sectors_are_short_and_coded(pack: ContentPack) -> None:
    sectors = pack.country.sectors
    assert 8 <= len(sectors) <= 12
    assert len({sector.code for sector in sectors}) == len(sectors)
    assert sectors[-1].code == "autre"


def test_localized_text_falls_back_to_french() -> None:
    text = LocalizedText(fr="Bonjour", en="Hello")
    assert text.get("en") == "Hello"
    assert text.get(Locale.EN) == "Hello"
    assert text.get("en_GB") == "Hello"
    assert text.get("ar") == "Bonjour"
    assert text.get("de") == "Bonjour"
    assert text.get("fr") == "Bonjour"
    assert text.texts() == {"fr": "Bonjour", "en": "Hello"}
