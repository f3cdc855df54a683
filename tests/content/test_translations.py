"""Every text of the pack in English and Arabic, in step with the French it was made from."""

from pathlib import Path

import yaml

from bot.content import DEFAULT_CONTENT_DIR, check_pack
from bot.content.translations import (
    french_hash,
    numbers_in,
    placeholder_lines,
    stamp_file,
    translation_problems,
)
from tests.content.conftest import Edit


def test_the_shipped_pack_is_fully_translated() -> None:
    report = check_pack(DEFAULT_CONTENT_DIR, "ga")
    assert report.errors == []
    assert report.texts > 200
    assert report.translated == {"en": report.texts, "ar": report.texts}


def test_the_hash_ignores_wrapping_but_not_words() -> None:
    assert french_hash("Une ligne\net une autre.\n") == french_hash("Une ligne et une autre.")
    assert french_hash("Une ligne.") != french_hash("Une ligne !")
    assert len(french_hash("x")) == 8


def test_numbers_are_read_in_every_script_and_grouping() -> None:
    assert numbers_in("10 000 FCFA, loi n°35/62") == numbers_in("10,000 CFA francs, law 35/62")
    assert numbers_in("القانون رقم ٣٥/٦٢") == numbers_in("loi 35/62")
    assert numbers_in("[À COMPLÉTER : 3 numéros]") == numbers_in("")


def test_placeholders_are_located_by_line() -> None:
    text = "Connu.\n[À COMPLÉTER : heures]\nFin."
    assert placeholder_lines(text) == [1]


def test_a_missing_translation_fails_the_check(edit: Edit) -> None:
    root = edit("procedures/ngo.yml", "  ar: إنشاء منظمة غير حكومية\n", "")
    errors = check_pack(root, "ga").errors
    assert "content/ga/procedures/ngo.yml: title.ar: no Arabic translation" in errors


def test_a_changed_french_makes_the_translations_stale(edit: Edit) -> None:
    root = edit("procedures/ngo.yml", "fr: Créer une ONG", "fr: Fonder une ONG")
    errors = check_pack(root, "ga").errors
    assert len(errors) == 1
    assert errors[0].startswith("content/ga/procedures/ngo.yml: title.from_fr: stale")


def test_a_translation_that_changes_a_number_fails(edit: Edit) -> None:
    root = edit("procedures/association.yml", "in 3 copies.", "in 2 copies.")
    errors = check_pack(root, "ga").errors
    assert errors == [
        "content/ga/procedures/association.yml: documents[1].en: "
        "numbers differ from the French: ['2'] instead of ['3']"
    ]


def test_a_translation_that_drops_a_placeholder_fails(edit: Edit) -> None:
    root = edit(
        "offices.yml",
        'ar: "[À COMPLÉTER : عنوان مكتب DGES في ليبرفيل]"',
        "ar: عنوان مكتب DGES في ليبرفيل",
    )
    errors = check_pack(root, "ga").errors
    assert [error.split(": ")[1] for error in errors] == ["offices[0].address.ar"]
    assert "placeholders differ" in errors[0]


def test_stamp_records_new_translations_and_refreshes_stale_ones(tmp_path: Path) -> None:
    path = tmp_path / "texts.yml"
    path.write_text(
        "# A comment that stays.\n"
        "title:\n"
        "  fr: Créer une ONG\n"
        "  en: Create an NGO\n"
        "  ar: إنشاء منظمة غير حكومية\n"
        "steps:\n"
        "  - fr: |\n"
        "      Réunissez 2 fondateurs.\n"
        "    en: |\n"
        "      Bring together 2 founders.\n"
        "    ar: |\n"
        "      اجمعوا مؤسسين اثنين (2).\n"
        "\n"
        "  - {fr: Santé, en: Health, ar: الصحة}\n"
        "  - fr: Pas encore traduit\n",
        encoding="utf-8",
    )
    assert stamp_file(path) == 3
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# A comment that stays.\n")
    assert f'  ar: إنشاء منظمة غير حكومية\n  from_fr: "{french_hash("Créer une ONG")}"\n' in text
    assert f'{{fr: Santé, en: Health, ar: الصحة, from_fr: "{french_hash("Santé")}"}}' in text
    data = yaml.safe_load(text)
    problems = [p.message for p in translation_problems(data)]
    assert problems == ["no English translation", "no Arabic translation"]

    path.write_text(text.replace("Créer une ONG", "Fonder une ONG"), encoding="utf-8")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert any("stale" in p.message for p in translation_problems(data))
    assert stamp_file(path) == 0  # a stale translation is re-stamped only on purpose
    assert stamp_file(path, refresh=True) == 1
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert not any("stale" in p.message for p in translation_problems(data))
