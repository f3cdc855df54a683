"""The facts file: complete in three languages, sourced, agreeing with the procedures."""

import re
from pathlib import Path

import pytest

from bot.content import ContentError, ContentPack, check_pack, find_placeholders, load_pack
from bot.content.facts import Aspect, FactsBody, FormCode
from bot.domain import CoopForm, OrgType
from tests.content.conftest import Edit

FACTS = "facts.yml"


@pytest.fixture(scope="session")
def facts(pack: ContentPack) -> FactsBody:
    assert pack.facts is not None
    return pack.facts


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentError) as raised:
        load_pack(root, "ga")
    assert set(raised.value.errors) <= set(check_pack(root, "ga").errors)
    return raised.value.errors


def test_every_fact_reads_in_three_languages_with_sources(facts: FactsBody) -> None:
    for fact_id in facts.facts:
        answer = facts.answer(fact_id)
        assert answer.fr and answer.en and answer.ar, fact_id
        assert re.search(r"[\u0600-\u06ff]", answer.ar), fact_id
        assert facts.sources(fact_id), fact_id
        assert facts.reviewed(fact_id).year >= 2026
        assert facts.links(fact_id), fact_id


def test_every_aspect_of_every_main_form_is_a_fact(facts: FactsBody) -> None:
    for aspect in Aspect:
        for form in FormCode:
            assert facts.fact_of(form, aspect) is not None, (form, aspect)


def test_founders_agree_with_the_procedures(pack: ContentPack, facts: FactsBody) -> None:
    cooperative = pack.procedures[OrgType.COOPERATIVE]
    for form, coop_form in (
        (FormCode.SCOOPS, CoopForm.SCOOPS),
        (FormCode.COOP_CA, CoopForm.COOP_CA),
    ):
        variant = cooperative.variant(coop_form)
        assert variant is not None
        assert str(variant.min_founders) in facts.forms[form].founders.fr
    for org_type in (OrgType.ASSOCIATION, OrgType.NGO, OrgType.FOUNDATION):
        assert (
            str(pack.procedures[org_type].min_founders)
            in facts.forms[FormCode(org_type)].founders.fr
        )


def test_fees_and_delays_agree_with_the_procedures(pack: ContentPack, facts: FactsBody) -> None:
    for form in FormCode:
        profile = facts.forms[form]
        procedure = pack.procedures[OrgType(profile.guide)]
        known = [fee.amount for fee in procedure.fees if fee.amount is not None]
        for locale in ("fr", "en", "ar"):
            fees = profile.fees.get(locale)
            if known:
                # The one sourced amount, 10 000 FCFA, said with the warning that it may change.
                assert re.search(r"10[\u00a0 ,]000", fees), (form, locale)
                assert not find_placeholders(fees), (form, locale)
            else:
                assert find_placeholders(fees), (form, locale)
        delays = profile.delays
        assert bool(find_placeholders(delays.fr)) == bool(find_placeholders(procedure.delays.fr))
        if "3 mois" in delays.fr:
            assert "pas vérifié" in delays.fr and "not verified" in delays.en, form
            assert "غير مؤكد" in delays.ar, form


def test_procedure_aspects_train_their_own_intents(pack: ContentPack, facts: FactsBody) -> None:
    examples = pack.training_examples()
    for aspect, intent in (
        (Aspect.DOCUMENTS, "ask_documents"),
        (Aspect.FEES, "ask_cost"),
        (Aspect.DELAYS, "ask_duration"),
        (Aspect.FILING, "ask_office"),
    ):
        templates = facts.aspects[aspect].examples
        assert facts.aspects[aspect].intent == intent
        assert templates is not None and templates.darija_arabic and templates.darija_latin
        trained = [line for line, name in examples if name == intent]
        # Each question once, about one form or another: not seven copies of each.
        assert len(trained) == len(templates.all()), aspect
        assert not any(name.startswith(f"ask_fact/{aspect.value}_") for _, name in examples)
    assert any("ta3" in line for line, name in examples if name == "ask_office")


def test_governance_is_the_one_of_the_uniform_act(facts: FactsBody) -> None:
    scoops, coop_ca = facts.forms[FormCode.SCOOPS], facts.forms[FormCode.COOP_CA]
    assert "3 membres au plus" in scoops.bodies.fr and "100" in scoops.bodies.fr
    assert "3 à 12" in coop_ca.bodies.fr and "3 to 12" in coop_ca.bodies.en
    assert "sans nombre maximum" in scoops.founders.fr


def test_fact_questions_are_annotated_for_the_nlu(pack: ContentPack) -> None:
    examples = pack.training_examples()
    keys = {intent for _, intent in examples}
    assert pack.facts is not None
    # The documents, fees, delays and filing place train the intents that ask them.
    own_intents = {"ask_documents", "ask_cost", "ask_duration", "ask_office"}
    assert keys - own_intents == {
        f"ask_fact/{fact_id}"
        for fact_id, fact in pack.facts.facts.items()
        if fact.aspect is None or pack.facts.aspects[fact.aspect].intent is None
    }
    assert own_intents <= keys
    assert (
        'faut combien de membres pour une [SCOOPS]{"entity": "coop_form", "value": "scoops"}',
        "ask_fact/founders_scoops",
    ) in examples
    # Places named in a fact's own questions are marked as their province.
    assert any('"value": "Woleu-Ntem"' in line for line, _ in examples)


def test_placeholders_stay_placeholders_in_every_language(facts: FactsBody) -> None:
    for fact_id in ("data_retention", "relays"):
        answer = facts.answer(fact_id)
        assert len(find_placeholders(answer.fr)) == 1
        assert find_placeholders(answer.en) == find_placeholders(answer.fr)
        assert find_placeholders(answer.ar) == find_placeholders(answer.fr)


def test_a_missing_language_is_an_error(edit: Edit) -> None:
    root = edit(
        FACTS,
        "      ar: |\n        الوصل (récépissé)",
        "      es: |\n        El récépissé",
    )
    errors = errors_of(root)
    assert "content/ga/facts.yml: facts.recepisse.answer.ar: Field required" in errors


def test_an_unknown_guide_link_is_an_error(edit: Edit) -> None:
    root = edit(
        FACTS,
        "      - {guide: cooperative}\n    examples:",
        "      - {guide: cooperativ}\n    examples:",
    )
    errors = errors_of(root)
    assert any(
        error.startswith("content/ga/facts.yml: facts.ohada.more[0].guide: unknown guide")
        for error in errors
    ), errors


def test_a_translation_without_the_placeholder_is_an_error(edit: Edit) -> None:
    root = edit(
        FACTS,
        "        How long pre-registration data is kept: [À COMPLÉTER : durée de conservation "
        "des données de pré-inscription].",
        "        Pre-registration data is kept for 5 years.",
    )
    (error,) = errors_of(root)
    assert error.startswith(
        "content/ga/facts.yml: facts.data_retention.answer: en has 0 placeholder"
    )


def test_too_few_questions_is_an_error(edit: Edit) -> None:
    root = edit(
        FACTS,
        "        - c'est quoi le journal officiel\n        - pourquoi payer au journal officiel\n"
        "        - le journal officiel ça sert à quoi\n        - publication au JO\n"
        "        - on est publié au journal officiel ?\n",
        "        - c'est quoi le journal officiel\n",
    )
    root = Path(root)
    text = (root / "ga" / FACTS).read_text(encoding="utf-8")
    text = text.replace(
        "        - what is the official journal\n        - why pay the official journal\n",
        "        - what is the official journal\n",
    ).replace(
        "        - ما هي الجريدة الرسمية\n        - لماذا ندفع للجريدة الرسمية\n",
        "        - ما هي الجريدة الرسمية\n",
    )
    (root / "ga" / FACTS).write_text(text, encoding="utf-8")
    assert errors_of(root) == [
        "content/ga/facts.yml: facts.official_journal.examples: 3 example questions; "
        "a fact needs at least 5"
    ]


def test_a_question_template_names_the_form_once(edit: Edit) -> None:
    root = edit(FACTS, "        - qui dirige une {form}\n", "        - qui dirige\n")
    (error,) = errors_of(root)
    assert error.startswith("content/ga/facts.yml: aspects.bodies.examples: ")
    assert "{form}" in error


def test_a_form_fact_cannot_have_its_own_answer(edit: Edit) -> None:
    root = edit(
        FACTS,
        "  founders_ngo: {form: ngo, aspect: founders}",
        "  founders_ngo: {form: ngo, aspect: founders, answer: {fr: a, en: b, ar: c}}",
    )
    (error,) = errors_of(root)
    assert "takes its answer from the form's profile" in error


def test_the_pack_check_lists_the_facts_placeholders(pack_copy: Path) -> None:
    report = check_pack(pack_copy, "ga")
    assert report.ok
    entries = {(p.file, p.entry) for p in report.placeholders}
    # Listed once, on the French: the translations keep the same markers (checked apart).
    assert ("content/ga/facts.yml", "facts.data_retention.answer.fr") in entries
    assert ("content/ga/facts.yml", "facts.relays.answer.fr") in entries
