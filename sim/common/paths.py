"""Where the repository's folders are, for code anywhere in the package."""
from __future__ import annotations

from pathlib import Path

#: the repository root (the folder holding ``sim/``, ``configs/``, ``results/``)
ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = ROOT / "configs"
RESULTS = ROOT / "results"
DOCS = ROOT / "docs"
