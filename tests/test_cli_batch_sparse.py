"""`jaccli jacobian --batch --sparse on|auto` and `jaccli plan --batch`: the stacked sparse
layout (B * M, N) round-trips through scipy.sparse.load_npz / Matrix Market and equals the
dense --batch stack point by point, for a global pattern (Brusselator) and a local one (a
function that branches per point)."""
import json

import numpy as np
import scipy.io
import scipy.sparse as sp
from click.testing import CliRunner

import jaccli
from jaccli.cli import main
from jaccli.sparse import batched as sparse_batched

BRANCHY = '''import numpy as np


def f(x):
    if x[0] > 0:
        return x * np.roll(x, 1)
    return np.cumsum(x * x)
'''


def _brusselator_points(tmp_path, count=3):
    rng = np.random.default_rng(11)
    np.save(tmp_path / "u.npy", rng.uniform(0.5, 1.5, (count, 32, 32)))
    np.save(tmp_path / "v.npy", rng.uniform(2.5, 3.5, (count, 32, 32)))
    return ["--input", f"u={tmp_path / 'u.npy'}", "--input", f"v={tmp_path / 'v.npy'}"]


def _run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def test_batch_sparse_npz_round_trips_against_dense_batch(configs, tmp_path, monkeypatch):
    inputs = _brusselator_points(tmp_path)
    spec = configs / "brusselator.yaml"
    r = _run("jacobian", spec, "--batch", "--sparse", "on", *inputs, "-o", tmp_path / "J.npz")
    assert r.exit_code == 0, r.output
    assert "stacked as one 6144 x 2048" in r.output
    r = _run("jacobian", spec, "--batch", "--sparse", "off", *inputs, "-o", tmp_path / "D.npy")
    assert r.exit_code == 0, r.output
    S, D = sp.load_npz(tmp_path / "J.npz"), np.load(tmp_path / "D.npy")
    assert S.shape == (3 * 2048, 2048) and D.shape == (3, 2048, 2048)
    assert S.nnz == 3 * 6 * 2048
    np.testing.assert_allclose(S.toarray().reshape(3, 2048, 2048), D, rtol=1e-12, atol=1e-13)
    calls = []
    real = sparse_batched.sweep_points_compressed

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(sparse_batched, "sweep_points_compressed", counting)
    r = _run("jacobian", spec, "--batch", "--sparse", "auto", *inputs, "-o", tmp_path / "A.npy")
    assert r.exit_code == 0, r.output
    assert calls, "--sparse auto with --batch did not use the compressed sweeps"
    np.testing.assert_allclose(np.load(tmp_path / "A.npy"), D, rtol=1e-12, atol=1e-13)


def test_batch_sparse_local_pattern_mtx(tmp_path):
    (tmp_path / "branchy.py").write_text(BRANCHY)
    X = np.random.default_rng(12).uniform(-1, 1, (5, 20))
    X[:, 0] = [1, -1, 1, -1, 1]
    np.save(tmp_path / "x.npy", X)
    r = _run("jacobian", f"{tmp_path / 'branchy.py'}:f", "--batch", "--sparse", "on",
             "--input", f"x={tmp_path / 'x.npy'}", "-o", tmp_path / "J.mtx")
    assert r.exit_code == 0, r.output
    assert r.output.count("warning: the function branches on traced values; its 5 points "
                          "were computed in 2 groups") == 1
    assert "BranchWarning" not in r.output
    S = sp.csr_array(scipy.io.mmread(tmp_path / "J.mtx"))
    assert S.shape == (100, 20)
    import importlib.util
    spec = importlib.util.spec_from_file_location("branchy", tmp_path / "branchy.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for p in range(5):
        block = S[p * 20:(p + 1) * 20].toarray()
        np.testing.assert_allclose(block, jaccli.jacobian(mod.f, X[p]), rtol=1e-12, atol=1e-13)
    assert S[:20].nnz == 40 and S[20:40].nnz == 210          # banded vs lower triangle


def test_batch_sparse_on_with_npy_is_a_usage_error(configs, tmp_path):
    inputs = _brusselator_points(tmp_path, 2)
    r = _run("jacobian", configs / "brusselator.yaml", "--batch", "--sparse", "on", *inputs,
             "-o", tmp_path / "J.npy")
    assert r.exit_code == 2 and ".npz" in r.output and ".mtx" in r.output


def test_plan_batch_sparse(configs, tmp_path):
    inputs = _brusselator_points(tmp_path, 4)
    r = _run("plan", configs / "brusselator.yaml", "--batch", "--sparse", "on", "--json",
             *inputs)
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["points"] == 4 and data["pattern"] == "global"
    assert data["compressed"] == "fwd" and data["colors"]["fwd"] <= 12
    assert data["inputs"][0]["shape"] == [32, 32]
    r = _run("plan", configs / "brusselator.yaml", "--batch", "--sparse", "on", *inputs)
    assert r.exit_code == 0 and "first of 4 points" in r.output


def test_help_documents_the_stacked_layout():
    r = _run("jacobian", "--help")
    assert "(B*M, N)" in r.output.replace("\n", " ").replace("  ", " ")


def test_batch_sparse_on_a_cluster_is_a_usage_error(configs, tmp_path):
    inputs = _brusselator_points(tmp_path, 2)
    r = _run("jacobian", configs / "brusselator.yaml", "--batch", "--sparse", "on", *inputs,
             "--workers", "2", "-o", tmp_path / "J.npz")
    assert r.exit_code == 2 and "runs here, not on a cluster" in r.output
    assert not (tmp_path / "J.npz").exists()
