"""Each country's NLU is trained with its own pack's facts, and cached under its own key."""

from collections.abc import Callable

from bot.core.turn import Services


def test_each_pack_trains_its_own_fact_questions(
    services_by_pack: Callable[[str], Services],
) -> None:
    algeria = services_by_pack("dz")
    gabon = services_by_pack("ga")
    assert algeria.nlu.parse("c'est quoi un huissier de justice ?").response_key() == "bailiff"
    assert gabon.nlu.parse("c koi un récépissé").response_key() == "recepisse"
    # Neither model knows the other country's facts.
    assert algeria.pack.facts is not None and gabon.pack.facts is not None
    assert "recepisse" not in algeria.pack.facts.facts
    assert algeria.nlu.parse("c koi un récépissé").response_key() != "recepisse"
    assert gabon.nlu.parse("c'est quoi un huissier de justice ?").response_key() != "bailiff"


def test_each_pack_keeps_its_own_cached_model(services_by_pack: Callable[[str], Services]) -> None:
    folders = [services_by_pack(country).settings.nlu_cache_dir for country in ("ga", "dz")]
    assert folders[0] != folders[1]
    # Caching one country's model does not throw the other's away.
    assert all(list(folder.glob("intent-model-*.npz")) for folder in folders)
