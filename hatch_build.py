"""Build hook: put the content packs and the compiled catalogues inside the wheel.

A checkout reads `content/` and `locales/` beside the code; an installed wheel finds the same
files in `bot/data/`, with the catalogues compiled here, at build time, by Babel.
"""

import tempfile
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DATA = "bot/data"


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc]
    """Add `content/` and `locales/` (with `.mo` files compiled from the `.po`) to the wheel."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile the catalogues and map every data file to its place in the wheel."""
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        include: dict[str, str] = build_data.setdefault("force_include", {})
        for path in sorted((root / "content").rglob("*.y*ml")):
            include[str(path)] = f"{DATA}/{path.relative_to(root).as_posix()}"
        self._compiled = Path(tempfile.mkdtemp(prefix="relais-mo-"))
        for source in sorted((root / "locales").rglob("*.po")):
            relative = source.relative_to(root)
            include[str(source)] = f"{DATA}/{relative.as_posix()}"
            with source.open("rb") as handle:
                catalogue = read_po(handle)
            compiled = self._compiled / relative.with_suffix(".mo")
            compiled.parent.mkdir(parents=True, exist_ok=True)
            with compiled.open("wb") as handle:
                write_mo(handle, catalogue, use_fuzzy=True)
            include[str(compiled)] = f"{DATA}/{relative.with_suffix('.mo').as_posix()}"
