"""The validated pack kept between starts: used while the files are unchanged, never after."""

import os
from pathlib import Path

import pytest

from bot.content import ContentError, ContentPack
from bot.content.cache import load_pack_cached
from tests.content.conftest import Edit


def test_an_unchanged_pack_comes_from_the_cache(pack_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, examples = load_pack_cached(pack_copy, "ga", cache)
    assert len(list(cache.glob("pack-*.pickle"))) == 1

    again, examples_again = load_pack_cached(pack_copy, "ga", cache)

    assert again == first
    assert examples_again == examples == first.training_examples()


def test_the_same_pack_as_read_from_the_files(
    pack_copy: Path, tmp_path: Path, pack: ContentPack
) -> None:
    load_pack_cached(pack_copy, "ga", tmp_path / "cache")
    cached, _ = load_pack_cached(pack_copy, "ga", tmp_path / "cache")
    assert cached.procedures == pack.procedures
    assert cached.facts == pack.facts


def test_an_edited_file_is_read_again(edit: Edit, pack_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before, _ = load_pack_cached(pack_copy, "ga", cache)
    edit("pack.yml", "timezone:", "timezone:")  # the same text, a newer modification time
    path = pack_copy / "ga" / "pack.yml"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_pack_cached(pack_copy, "ga", cache)[0] == before
    assert len(list(cache.glob("pack-*.pickle"))) == 1  # the older one is gone


def test_a_broken_edit_is_reported_not_hidden_by_the_cache(
    edit: Edit, pack_copy: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    load_pack_cached(pack_copy, "ga", cache)
    edit("pack.yml", "version: 1", "version: 99")
    with pytest.raises(ContentError, match="version"):
        load_pack_cached(pack_copy, "ga", cache)


def test_an_unreadable_cache_only_costs_a_reading(pack_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, _ = load_pack_cached(pack_copy, "ga", cache)
    for stored in cache.glob("pack-*.pickle"):
        stored.write_bytes(b"not a pickle")
    assert load_pack_cached(pack_copy, "ga", cache)[0] == first


def test_a_cache_that_cannot_be_written_is_no_error(pack_copy: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory should be")
    pack, _ = load_pack_cached(pack_copy, "ga", blocked / "cache")
    assert pack.code == "ga"
