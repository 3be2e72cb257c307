"""The chaos suite (scripts/chaos.py) at reduced counts, so CI guards every category.

The full run (10,000 fuzz cases, 20 kills ...) is `python scripts/chaos.py`; its table is in
docs/reliability.md.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))
chaos = importlib.import_module("chaos")

#: Every category builds sessions in child processes, kills them, fills disks: seconds each.
pytestmark = pytest.mark.slow
#: Categories that open pages in Chromium.
IN_A_BROWSER = {"text"}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the module, so the reference build is made once."""
    return tmp_path_factory.mktemp("chaos")


@pytest.mark.parametrize(
    "category",
    [
        pytest.param(name, marks=[pytest.mark.browser] if name in IN_A_BROWSER else [])
        for name in chaos.CATEGORIES
    ],
)
def test_chaos_category_has_no_failures(category: str, work: Path) -> None:
    (outcome,) = chaos.run([category], quick=True, seed=3, work=work)
    assert outcome.tried > 0, f"{category} tried nothing"
    assert outcome.failures == [], "\n\n".join(outcome.failures[:5])
