"""`jaccli hessian`, `jaccli plan --hessian` and `jaccli check --hessian`: the (N, N) flat
Hessian of a spec with one scalar output, dense and sparse files, and usage errors."""

import io
import json

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
from click.testing import CliRunner

from jaccli.cli import main
from patterns import rosenbrock_hessian

# seed: f = ln(x1) + x1 x2 - sin(x2) at (2, 5)
SEED_H = np.array([[-0.25, 1.0], [1.0, np.sin(5.0)]])
TWO_INPUTS = """
    inputs:
      x: [0.5, -1.0, 2.0]
      a: 1.5
    outputs:
      f: a * sum(x ** 3) + a ** 2 * x[0]
"""
SEVERAL_OUTPUTS = """
    inputs:
      x: [1.0, 2.0]
    outputs:
      y: sin(x)
      s: sum(x ** 2)
"""


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)




def rosenbrock_point():
    rng = np.random.default_rng(0)
    return rng.uniform(-1.5, 1.5, 200)


def test_seed_to_stdout_as_npy(configs):
    result = run("hessian", configs / "seed.yaml", "-o", "-")
    assert result.exit_code == 0, result.output
    H = np.load(io.BytesIO(result.stdout_bytes))
    assert H.shape == (2, 2) and H.dtype == np.float64
    np.testing.assert_allclose(H, SEED_H, rtol=1e-12)


def test_flat_layout_over_several_inputs(write_spec, tmp_path):
    target = tmp_path / "H.npz"
    result = run("hessian", write_spec(TWO_INPUTS), "-o", target)
    assert result.exit_code == 0, result.output
    data = np.load(target)
    x, a = np.array([0.5, -1.0, 2.0]), 1.5
    expected = np.zeros((4, 4))
    expected[:3, :3] = np.diag(6 * a * x)
    expected[:3, 3] = expected[3, :3] = 3 * x ** 2
    expected[0, 3] = expected[3, 0] = 3 * x[0] ** 2 + 2 * a
    expected[3, 3] = 2 * x[0]
    np.testing.assert_allclose(data["hessian"], expected, rtol=1e-12)
    assert data["x__a"].shape == (3,) and data["a__x"].shape == (3,)
    assert list(data["rows"]) == ["x[0]", "x[1]", "x[2]", "a"]


@pytest.mark.parametrize("suffix", ["npz", "mtx"])
def test_sparse_files(configs, tmp_path, suffix):
    target = tmp_path / f"H.{suffix}"
    result = run("hessian", configs / "rosenbrock.yaml", "--sparse", "on", "-o", target)
    assert result.exit_code == 0, result.output
    H = sp.load_npz(target) if suffix == "npz" else sp.csr_array(scipy.io.mmread(target))
    assert H.shape == (200, 200) and H.nnz == 3 * 200 - 2
    np.testing.assert_allclose(H.toarray(), rosenbrock_hessian(rosenbrock_point()),
                               rtol=1e-12, atol=1e-9)
    assert "colours" in result.stderr


@pytest.mark.parametrize("sparse", ["auto", "off"])
def test_dense_output_whatever_the_sweeps(configs, tmp_path, sparse):
    target = tmp_path / "H.npy"
    result = run("hessian", configs / "rosenbrock.yaml", "--sparse", sparse, "-o", target)
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(np.load(target), rosenbrock_hessian(rosenbrock_point()),
                               rtol=1e-12, atol=1e-9)
    assert "colours" not in result.stderr            # 200 inputs: N seeds are cheaper


def test_auto_compresses_a_large_sparse_hessian(write_spec, tmp_path):
    spec = write_spec("""
        inputs:
          x: {shape: [600], random: {seed: 0, low: -1.5, high: 1.5}}
        outputs:
          f: sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    """)
    target = tmp_path / "H.npy"
    result = run("hessian", spec, "-o", target)
    assert result.exit_code == 0, result.output
    assert "3 colours (star)" in result.stderr
    x = np.random.default_rng(0).uniform(-1.5, 1.5, 600)
    np.testing.assert_allclose(np.load(target), rosenbrock_hessian(x), rtol=1e-12, atol=1e-9)


def test_csv(configs, tmp_path):
    target = tmp_path / "H.csv"
    assert run("hessian", configs / "seed.yaml", "-o", target).exit_code == 0
    np.testing.assert_allclose(np.loadtxt(target, delimiter=","), SEED_H, rtol=1e-12)


def test_table_on_a_terminal(configs, monkeypatch):
    from jaccli.cli import output
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    result = run("hessian", configs / "seed.yaml")
    assert result.exit_code == 0, result.output
    assert "H: 2 x 2" in result.output and "-0.25" in result.output


def test_several_outputs_is_a_usage_error_naming_them(write_spec, tmp_path):
    target = tmp_path / "H.npy"
    result = run("hessian", write_spec(SEVERAL_OUTPUTS), "-o", target)
    assert result.exit_code == 2
    assert "one scalar output" in result.stderr
    assert "y (shape [2])" in result.stderr and "s (scalar)" in result.stderr
    assert not target.exists()


def test_sparse_on_with_npy_is_a_usage_error(configs, tmp_path):
    result = run("hessian", configs / "rosenbrock.yaml", "--sparse", "on", "-o",
                 tmp_path / "H.npy")
    assert result.exit_code == 2 and ".npz" in result.stderr


def test_batch_writes_one_hessian_per_point(configs, tmp_path):
    x1, x2 = np.array([2.0, 3.0, 0.5, 4.0]), np.array([5.0, 1.0, -2.0, 0.25])
    result = run("hessian", configs / "seed.yaml", "--batch", "--input", f"x1={x1.tolist()}",
                 "--input", f"x2={x2.tolist()}", "-o", tmp_path / "H.npy")
    assert result.exit_code == 0, result.output
    H = np.load(tmp_path / "H.npy")
    assert H.shape == (4, 2, 2) and H.dtype == np.float64
    expect = np.stack([[[-1 / a ** 2, 1.0], [1.0, np.sin(b)]] for a, b in zip(x1, x2)])
    np.testing.assert_allclose(H, expect, rtol=1e-13, atol=1e-15)


def test_batch_over_a_vector_input_through_a_pipe(configs, tmp_path):
    X = np.random.default_rng(5).uniform(-1.5, 1.5, (3, 200))
    np.save(tmp_path / "X.npy", X)
    result = run("hessian", configs / "rosenbrock.yaml", "--batch", "--input",
                 f"x={tmp_path / 'X.npy'}", "-o", "-")
    assert result.exit_code == 0, result.stderr
    H = np.load(io.BytesIO(result.stdout_bytes))
    assert H.shape == (3, 200, 200)
    for p in range(3):
        np.testing.assert_allclose(H[p], rosenbrock_hessian(X[p]), rtol=1e-12, atol=1e-9)


def test_batch_usage_errors(configs, tmp_path):
    two = ["--input", "x1=[2.0, 3.0]", "--input", "x2=[1.0, 2.0]"]
    result = run("hessian", configs / "seed.yaml", "--batch", *two, "--sparse", "on", "-o",
                 tmp_path / "H.npz")
    assert result.exit_code == 2 and "--batch" in result.stderr
    result = run("hessian", configs / "seed.yaml", "--batch", *two, "-o", tmp_path / "H.csv")
    assert result.exit_code == 2 and ".npy" in result.stderr
    result = run("hessian", configs / "seed.yaml", "--batch", "-o", tmp_path / "H.npy")
    assert result.exit_code == 2 and "leading batch axis" in result.stderr


def test_memory_limit_and_explain(configs, tmp_path):
    result = run("hessian", configs / "rosenbrock.yaml", "--sparse", "off", "--memory-limit",
                 "64MiB", "--explain", "-o", tmp_path / "H.npy")
    assert result.exit_code == 0, result.output
    assert "over reverse" in result.stderr


def test_plan_hessian(configs):
    result = run("plan", configs / "rosenbrock.yaml", "--hessian", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["inner"] == "rev" and data["order"] in ("fwd over rev", "rev over rev")
    assert data["N"] == 200 and "gradient sweep traced once" in data["reason"]


def test_plan_hessian_of_several_outputs_is_a_usage_error(write_spec):
    result = run("plan", write_spec(SEVERAL_OUTPUTS), "--hessian")
    assert result.exit_code == 2 and "one scalar output" in result.stderr


def test_check_hessian(configs, write_spec):
    result = run("check", configs / "seed.yaml", "--hessian")
    assert result.exit_code == 0, result.output
    assert "FD of the gradient" in result.stdout and "OK" in result.stdout
    assert run("check", write_spec(TWO_INPUTS), "--hessian").exit_code == 0
