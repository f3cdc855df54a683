"""Fixtures of the content tests: the real pack, and copies of it to break."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.content import DEFAULT_CONTENT_DIR, ContentPack, load_pack

Edit = Callable[[str, str, str], Path]


@pytest.fixture(scope="session")
def pack() -> ContentPack:
    """The Gabon pack as shipped."""
    return load_pack(DEFAULT_CONTENT_DIR, "ga")


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A copy of the shipped content directory, safe to break; returns its root."""
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR / "ga", root / "ga")
    return root


@pytest.fixture
def edit(pack_copy: Path) -> Edit:
    """Replace one exact piece of text in a file of the copy (which must contain it)."""

    def replace(relative: str, old: str, new: str) -> Path:
        path = pack_copy / "ga" / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return pack_copy

    return replace
