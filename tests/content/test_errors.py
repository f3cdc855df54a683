"""Broken copies of the pack: every error names the file and the entry."""

from pathlib import Path

import pytest

from bot.content import ContentError, check_pack, format_report, load_pack
from tests.content.conftest import Edit

COOPERATIVE = "procedures/cooperative.yml"
ASSOCIATION = "procedures/association.yml"
DECISION = "decision.yml"


def errors_of(root: Path) -> list[str]:
    """Load a pack that must fail, and check that the check reports the same errors."""
    with pytest.raises(ContentError) as raised:
        load_pack(root, "ga")
    report = check_pack(root, "ga")
    assert not report.ok
    assert set(raised.value.errors) <= set(report.errors)
    return raised.value.errors


def test_wrong_version(edit: Edit) -> None:
    root = edit("pack.yml", "version: 1", "version: 2")
    assert errors_of(root) == [
        "content/ga/pack.yml: version: this Relais reads content version 1, not 2"
    ]


def test_missing_version(edit: Edit) -> None:
    root = edit("faq.yml", "version: 1\n", "")
    assert errors_of(root) == ["content/ga/faq.yml: version: missing; add `version: 1`"]


def test_unknown_kind(edit: Edit) -> None:
    root = edit("offices.yml", "kind: offices", "kind: office")
    (error,) = errors_of(root)
    assert error == (
        "content/ga/offices.yml: kind: 'office' is not one of "
        "country, procedure, faq, offices, decision, facts, territory"
    )


def test_missing_french_text(edit: Edit) -> None:
    root = edit(ASSOCIATION, "  fr: Créer une association\n", "")
    assert errors_of(root) == ["content/ga/procedures/association.yml: title.fr: Field required"]


def test_unknown_key(edit: Edit) -> None:
    root = edit(COOPERATIVE, "    min_founders: 15\n", "    min_founders: 15\n    colour: red\n")
    assert errors_of(root) == [
        "content/ga/procedures/cooperative.yml: variants[1].colour: Extra inputs are not permitted"
    ]


def test_wrong_type(edit: Edit) -> None:
    root = edit(COOPERATIVE, "    min_founders: 15\n", "    min_founders: fifteen\n")
    (error,) = errors_of(root)
    assert error.startswith(
        "content/ga/procedures/cooperative.yml: variants[1].min_founders: Input should be"
    )
    assert "'fifteen'" in error


def test_bad_office_reference(edit: Edit) -> None:
    root = edit(ASSOCIATION, "offices: [interieur,", "offices: [nowhere,")
    assert errors_of(root) == [
        "content/ga/procedures/association.yml: where_to_file.offices[0]: "
        "no office 'nowhere' in the offices file"
    ]


def test_office_not_for_this_org_type(edit: Edit) -> None:
    root = edit(COOPERATIVE, "offices: [agriculture-cooperatives]", "offices: [interieur]")
    assert errors_of(root) == [
        "content/ga/procedures/cooperative.yml: where_to_file.offices[0]: "
        "office 'interieur' does not list cooperative in applies_to"
    ]


def test_next_to_missing_node(edit: Edit) -> None:
    root = edit(DECISION, "no: {next: risks}", "no: {next: ghost}")
    errors = errors_of(root)
    assert "content/ga/decision.yml: nodes.economic.no.next: no node named 'ghost'" in errors
    # Nothing else leads to `risks` any more.
    assert "content/ga/decision.yml: nodes.risks: not reachable from start (economic)" in errors


def test_cycle(edit: Edit) -> None:
    root = edit(DECISION, "no: {next: founders_other}", "no: {next: economic}")
    errors = errors_of(root)
    assert (
        "content/ga/decision.yml: nodes.endowment.no.next: "
        "cycle economic -> risks -> endowment -> economic"
    ) in errors


def test_node_error_path_leaves_out_the_union_tag(edit: Edit) -> None:
    root = edit(DECISION, "    yes: {next: founders_economic}\n", "")
    assert errors_of(root)[0] == "content/ga/decision.yml: nodes.economic.yes: Field required"


def test_founder_range_disagrees_with_procedure(edit: Edit) -> None:
    edit(DECISION, "        max: 4\n", "        max: 2\n")
    root = edit(DECISION, "      - min: 5\n", "      - min: 3\n")
    assert errors_of(root) == [
        "content/ga/decision.yml: nodes.founders_economic.ranges[2]: "
        "leads from 3 founders to scoops, which needs at least 5"
    ]


def test_not_ready_range_reaching_the_minimum(edit: Edit) -> None:
    # founders_other routes 1 to "not ready" and 2+ to an association; widen the first to 1-2.
    edit(DECISION, "      - min: 2\n        outcome:", "      - min: 3\n        outcome:")
    root = edit(
        DECISION,
        "        max: 1\n        outcome:\n          org_type: association\n"
        "          ready: false\n          why:\n            fr: |\n"
        "              Une association demande",
        "        max: 2\n        outcome:\n          org_type: association\n"
        "          ready: false\n          why:\n            fr: |\n"
        "              Une association demande",
    )
    assert errors_of(root) == [
        "content/ga/decision.yml: nodes.founders_other.ranges[0]: "
        "says ready: false but reaches 2 founders, enough for association"
    ]


def test_ranges_with_a_gap(edit: Edit) -> None:
    root = edit(DECISION, "      - min: 5\n", "      - min: 6\n")
    (error,) = errors_of(root)
    assert error.startswith("content/ga/decision.yml: nodes.founders_economic.ranges: ranges[2]")


def test_duplicate_yaml_key(edit: Edit) -> None:
    root = edit(ASSOCIATION, "min_founders: 2\n", "min_founders: 2\nmin_founders: 3\n")
    (error,) = errors_of(root)
    assert error.startswith("content/ga/procedures/association.yml: line ")
    assert "duplicate key 'min_founders'" in error


def test_missing_faq_topic(edit: Edit) -> None:
    root = edit("faq.yml", "  fair_trade:\n", "  fair_trade_day:\n")
    errors = errors_of(root)
    assert any(
        e.startswith("content/ga/faq.yml: entries.fair_trade_day: invalid key") for e in errors
    )


def test_unknown_amount_must_be_a_placeholder(edit: Edit) -> None:
    root = edit(
        "procedures/mutual.yml",
        "[À COMPLÉTER : frais pour créer une mutuelle, s'il y en a]",
        "Frais",
    )
    assert errors_of(root) == [
        "content/ga/procedures/mutual.yml: fees[0]: "
        "an unknown amount (amount: null) needs a [À COMPLÉTER : ...] label"
    ]


def test_unknown_province_and_bad_phone(edit: Edit) -> None:
    root = edit("offices.yml", "province: Estuaire", "province: Atlantique")
    root = edit("offices.yml", '"[À COMPLÉTER : numéro de téléphone de la DGES]"', '"12"')
    errors = errors_of(root)
    assert errors[0].startswith("content/ga/offices.yml: offices[0].province: 'Atlantique'")
    assert errors[1].startswith("content/ga/offices.yml: offices[0].phone: '12' is not a valid GA")


def test_missing_procedure(pack_copy: Path) -> None:
    (pack_copy / "ga" / "procedures" / "mutual.yml").unlink()
    assert errors_of(pack_copy) == ["content/ga: no procedure with org_type: mutual"]


def test_unknown_country(pack_copy: Path) -> None:
    with pytest.raises(ContentError, match="no content pack for country 'dz'"):
        load_pack(pack_copy, "dz")


def test_content_error_lists_every_problem(edit: Edit) -> None:
    edit("pack.yml", "version: 1", "version: 2")
    root = edit(ASSOCIATION, "  fr: Créer une association\n", "")
    with pytest.raises(ContentError) as raised:
        load_pack(root, "ga")
    assert len(raised.value.errors) == 2
    assert str(raised.value).startswith("2 problems in the content pack:\n- content/ga/")


def test_check_finds_text_problems(edit: Edit) -> None:
    root = edit("faq.yml", "La DGES les fait connaître", "La **DGES** les fait connaître")
    root = edit("faq.yml", "[À COMPLÉTER : qui contacter pour un financement]", "[À COMPLÉTER]")
    load_pack(root, "ga")  # text rules belong to the check, not to loading
    report = check_pack(root, "ga")
    stale = (
        "stale: the French changed since the translations were written; update them, "
        "then run `relais content stamp --refresh`"
    )
    moved = (
        "placeholders differ from the French: keep each [À COMPLÉTER : ...] on the same "
        "line as in the French"
    )
    assert report.errors == [
        "content/ga/faq.yml: entries.about_ess.answer.fr: "
        "plain text only: no markdown (**, __, `, [..](..), #)",
        "content/ga/faq.yml: entries.funding.answer.fr: "
        "a placeholder must read [À COMPLÉTER : what to fill in]",
        # Changing the French makes its translations stale.
        f"content/ga/faq.yml: entries.about_ess.answer.from_fr: {stale}",
        f"content/ga/faq.yml: entries.funding.answer.from_fr: {stale}",
        f"content/ga/faq.yml: entries.funding.answer.en: {moved}",
        f"content/ga/faq.yml: entries.funding.answer.ar: {moved}",
    ]
    text = format_report(report)
    assert text.startswith("Errors (6):\n  content/ga/faq.yml: entries.about_ess")
    assert text.splitlines()[-1].startswith("FAILED: 6 errors, ")
