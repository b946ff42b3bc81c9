"""The command line's sparse side: --sparse on|auto|off, sparse formats, plan's sparse fields,
and jaccli pattern; every refusal exits 2 with a sentence and leaves no file."""
import json
import sys

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
from click.testing import CliRunner

from jaccli.cli import main



def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def dense(tmp_path, configs):
    path = tmp_path / "J.npy"
    assert run("jacobian", configs / "brusselator.yaml", "--sparse", "off", "-o", path).exit_code == 0
    return np.load(path)


@pytest.mark.parametrize("suffix", ["npz", "mtx"])
def test_sparse_on_writes_the_sparse_formats(tmp_path, configs, dense, suffix):
    path = tmp_path / f"J.{suffix}"
    result = run("jacobian", configs / "brusselator.yaml", "--sparse", "on", "-o", path)
    assert result.exit_code == 0, result.output
    J = sp.load_npz(path) if suffix == "npz" else sp.csr_array(scipy.io.mmread(path))
    assert J.nnz == 6 * 2048
    np.testing.assert_allclose(J.toarray(), dense, rtol=1e-15, atol=0)


def test_sparse_auto_writes_the_same_dense_j(tmp_path, configs, dense):
    path = tmp_path / "J.npy"
    result = run("jacobian", configs / "brusselator.yaml", "-o", path)
    assert result.exit_code == 0 and "compressed" in result.output
    np.testing.assert_allclose(np.load(path), dense, rtol=1e-15, atol=0)


@pytest.mark.parametrize("target", ["J.npy", "J.csv"])
def test_sparse_on_with_a_dense_format_is_a_usage_error(tmp_path, configs, target):
    existing = tmp_path / target
    existing.write_bytes(b"old")
    result = run("jacobian", configs / "brusselator.yaml", "--sparse", "on", "-o", existing)
    assert result.exit_code == 2
    assert ".npz" in result.output and ".mtx" in result.output
    assert existing.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target]


def test_format_mtx_needs_sparse_on(tmp_path, configs):
    result = run("jacobian", configs / "brusselator.yaml", "--format", "mtx", "-o",
                 tmp_path / "J.mtx")
    assert result.exit_code == 2 and "--sparse on" in result.output


def test_plan_json_carries_the_sparse_fields(configs):
    result = run("plan", configs / "brusselator.yaml", "--sparse", "on", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["nnz"] == 12288 and data["pattern"] == "global"
    assert data["colors"]["fwd"] <= 12 and data["compressed"] in ("fwd", "rev")


def test_plan_text_names_the_colours(configs):
    result = run("plan", configs / "brusselator.yaml")
    assert result.exit_code == 0 and "colours: forward" in result.output


def test_pattern_npz_and_summary(tmp_path, configs, dense):
    path = tmp_path / "P.npz"
    assert run("pattern", configs / "brusselator.yaml", "-o", path).exit_code == 0
    P = sp.load_npz(path)
    assert P.dtype == bool and not ((dense != 0) & ~P.toarray()).any()
    result = run("pattern", configs / "brusselator.yaml")
    assert result.exit_code == 0 and "12288" in result.output


def test_pattern_png(tmp_path, configs):
    pytest.importorskip("matplotlib")
    path = tmp_path / "P.png"
    assert run("pattern", configs / "brusselator.yaml", "-o", path).exit_code == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pattern_png_without_matplotlib(tmp_path, configs, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = run("pattern", configs / "brusselator.yaml", "-o", tmp_path / "P.png")
    assert result.exit_code == 2 and "jaccli[plot]" in result.output
    assert not list(tmp_path.iterdir())


def test_pattern_unknown_suffix(tmp_path, configs):
    result = run("pattern", configs / "brusselator.yaml", "-o", tmp_path / "P.txt")
    assert result.exit_code == 2 and ".png" in result.output


def test_plan_by_default_weighs_compressed_sweeps(configs):
    result = run("plan", configs / "large.yaml", "--memory-limit", "16MB")
    assert result.exit_code == 0, result.output
    sentence = " ".join(result.stdout.split("chosen: ", 1)[1].split())
    assert sentence.startswith("compressed") and "budget 16.0 MB" in sentence
