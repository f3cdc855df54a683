"""A validated content pack kept on disk, so that a start with unchanged files skips the YAML.

Parsing and validating a pack costs a tenth of a second or more on a small machine, at every
start of `relais chat` or `relais serve`. The pack read last time is kept, pickled, under the
cache directory with a key made from every content file's path, size and modification time and
from the code that reads them: any edit to a file, or an upgrade of Relais, reads the files
again. A cache that cannot be read or written is ignored; the pack is then read as usual.
"""

import hashlib
import logging
import pickle
import sys
from pathlib import Path

from bot.content.loader import ContentPack, load_pack

log = logging.getLogger(__name__)

CODE_DIR = Path(__file__).resolve().parent
FORMAT = 1


def load_pack_cached(
    root: Path, country: str, cache_dir: Path
) -> tuple[ContentPack, list[tuple[str, str]]]:
    """Return the pack and its facts' training examples, from the cache when still valid."""
    key = _key(root, country)
    path = cache_dir / f"pack-{key}.pickle"
    try:
        with path.open("rb") as stored:
            pack, examples = pickle.load(stored)
        if isinstance(pack, ContentPack) and isinstance(examples, list):
            return pack, examples
    except FileNotFoundError:
        pass
    except Exception as error:  # truncated, or of older classes: read the files
        log.info("content cache %s ignored: %s", path, error)
    pack = load_pack(root, country)
    examples = pack.training_examples()
    _store(path, (pack, examples))
    return pack, examples


def _key(root: Path, country: str) -> str:
    """Digest what the pack is read from: every content file and the code that reads it."""
    digest = hashlib.sha256(f"{FORMAT} {country} {sys.version}".encode())
    files = [*root.rglob("*.yml"), *root.rglob("*.yaml"), *CODE_DIR.glob("*.py")]
    for file in sorted(files):
        stat = file.stat()
        digest.update(f"{file}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def _store(path: Path, value: object) -> None:
    """Write the cache atomically and drop the older ones of the same directory."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(path)
        for older in path.parent.glob("pack-*.pickle"):
            if older != path:
                older.unlink(missing_ok=True)
    except OSError as error:
        log.info("content cache %s not written: %s", path, error)
