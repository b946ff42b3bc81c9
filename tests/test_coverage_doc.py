"""docs/coverage.md is generated from the live dispatch tables (scripts/coverage.py) and must
be up to date; it lists at least 200 NumPy names, every one with forward and reverse rules."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _coverage_module():
    spec = importlib.util.spec_from_file_location("coverage_script", ROOT / "scripts" / "coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


coverage = _coverage_module()


def test_committed_coverage_table_is_up_to_date():
    assert (ROOT / "docs" / "coverage.md").read_text() == coverage.render(), \
        "docs/coverage.md is stale: run python scripts/coverage.py"


def test_coverage_lists_at_least_200_names_with_rules():
    rows = coverage.rows()
    assert len(rows) >= 200
    assert all(r["fwd"] and r["rev"] for r in rows), [r["name"] for r in rows
                                                      if not (r["fwd"] and r["rev"])]
    names = {r["name"] for r in rows}
    for must in ("np.linalg.svd", "np.linalg.cholesky", "np.interp", "np.median", "np.convolve",
                 "np.take_along_axis", "np.sin", "np.add.reduce", "ndarray.sum", "np.linspace"):
        assert must in names, must


def test_check_flag_agrees():
    assert coverage.main(["--check"]) == 0
