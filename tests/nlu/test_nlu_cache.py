"""The trained model is cached by the hash of the data, and bad caches are retrained."""

import logging
from pathlib import Path

import numpy as np
import pytest

from nlu import embedded
from nlu.embedded import CACHE_PREFIX, CACHE_SUFFIX, cache_key, load_or_train
from nlu.model import IntentModel as ArrayModel
from nlu.normalization import normalize_text
from nlu.training_data import TrainingData, load_training_data
from tests.nlu.conftest import record_calls


def count_training(monkeypatch: pytest.MonkeyPatch) -> list[TrainingData]:
    """Record every call to the training function, still training for real."""
    return record_calls(monkeypatch, embedded, "train_intent_model")


def test_second_load_reuses_the_cache(
    small_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = load_training_data(small_data_dir)
    cache = tmp_path / "cache"
    calls = count_training(monkeypatch)

    first = load_or_train(data, cache)
    second = load_or_train(data, cache)

    assert len(calls) == 1
    assert [path.name for path in cache.iterdir()] == [
        f"{CACHE_PREFIX}{cache_key(data)}{CACHE_SUFFIX}"
    ]
    assert second.classes == first.classes
    assert second.rank("bonsoir")[0].name == "greet"


def test_changed_data_changes_the_hash_and_retrains(
    small_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    before = load_training_data(small_data_dir)
    load_or_train(before, cache)
    path = small_data_dir / "nlu.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("- salut\n", "- salut\n    - yo\n"),
        encoding="utf-8",
    )
    calls = count_training(monkeypatch)

    after = load_training_data(small_data_dir)
    load_or_train(after, cache)

    assert after.content_hash != before.content_hash
    assert cache_key(after) != cache_key(before)
    assert len(calls) == 1
    # The model of the old data is removed rather than left to pile up.
    assert [path.name for path in cache.iterdir()] == [
        f"{CACHE_PREFIX}{cache_key(after)}{CACHE_SUFFIX}"
    ]


@pytest.mark.parametrize("content", [b"not an archive", b"", b"PK\x03\x04truncated"])
def test_a_corrupt_cache_is_retrained(
    small_data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    content: bytes,
) -> None:
    data = load_training_data(small_data_dir)
    path = tmp_path / f"{CACHE_PREFIX}{cache_key(data)}{CACHE_SUFFIX}"
    path.write_bytes(content)
    calls = count_training(monkeypatch)

    with caplog.at_level(logging.WARNING, logger="nlu.embedded"):
        model = load_or_train(data, tmp_path)

    assert len(calls) == 1
    assert model.rank("bonsoir")[0].name == "greet"
    assert "unreadable intent model cache" in caplog.text
    assert load_or_train(data, tmp_path).classes == model.classes
    assert len(calls) == 1


def test_a_stale_cache_is_retrained(
    small_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = load_training_data(small_data_dir)
    model = load_or_train(data, None)
    path = tmp_path / f"{CACHE_PREFIX}{cache_key(data)}{CACHE_SUFFIX}"
    with path.open("wb") as handle:
        model.save(handle, "another key")
    calls = count_training(monkeypatch)

    load_or_train(data, tmp_path)

    assert len(calls) == 1


def test_an_unwritable_cache_still_gives_a_model(
    small_data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    data = load_training_data(small_data_dir)

    with caplog.at_level(logging.WARNING, logger="nlu.embedded"):
        model = load_or_train(data, blocker / "cache")

    assert model.rank("au revoir")[0].name == "goodbye"
    assert "cannot cache the intent model" in caplog.text


def test_the_array_model_predicts_what_the_pipeline_predicts(training_data: TrainingData) -> None:
    from nlu.training import fit_pipeline

    pipeline = fit_pipeline(training_data)
    model = ArrayModel.from_pipeline(pipeline)
    texts = [normalize_text(text) for text in training_data.texts[::7]]
    texts += ["", "zzzz qqqq", "a", "inscription inscription inscription", "c koi 1 asso"]

    assert np.allclose(model.probabilities(texts), pipeline.predict_proba(texts), atol=1e-9)
    assert [model.classes[i] for i in model.probabilities(texts).argmax(axis=1)] == list(
        pipeline.predict(texts)
    )


def test_a_saved_model_loads_back_identical(small_data_dir: Path, tmp_path: Path) -> None:
    data = load_training_data(small_data_dir)
    model = load_or_train(data, None)
    path = tmp_path / "model.npz"
    with path.open("wb") as handle:
        model.save(handle, "k")

    loaded = ArrayModel.load(path, "k")

    assert loaded is not None and loaded.classes == model.classes
    texts = ["bonsoir", "au revoir", "merci bcp"]
    assert np.array_equal(loaded.probabilities(texts), model.probabilities(texts))
    assert ArrayModel.load(path, "another key") is None


def test_an_old_format_cache_is_removed(small_data_dir: Path, tmp_path: Path) -> None:
    data = load_training_data(small_data_dir)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"{CACHE_PREFIX}0123.joblib").write_bytes(b"a model of the previous format")

    load_or_train(data, cache)

    assert [path.name for path in cache.iterdir()] == [
        f"{CACHE_PREFIX}{cache_key(data)}{CACHE_SUFFIX}"
    ]
