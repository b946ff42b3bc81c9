"""`jaccli jacobian`: output channels, formats, overrides, non-finite entries and atomic files."""

import io
import os
import re

import numpy as np
import pytest
from click.testing import CliRunner

from jaccli.cli import main, output

SEED_J = np.array([[5.5, 2.0 - np.cos(5.0)]])
VECTOR = """
    inputs:
      x: [1.0, 2.0, 3.0]
      a: 2.0
    outputs:
      y: a * sin(x)
      s: sum(x ** 2)
"""


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def load_npy(data):
    return np.load(io.BytesIO(data), allow_pickle=False)


def test_seed_to_a_file(configs, tmp_path):
    target = tmp_path / "J.npy"
    result = run("jacobian", configs / "seed.yaml", "-o", target)
    assert result.exit_code == 0, result.output
    J = np.load(target)
    assert J.dtype == np.float64 and J.shape == (1, 2)
    np.testing.assert_allclose(J, SEED_J, rtol=1e-12)
    assert "wrote J (1 x 2" in result.stderr and result.stdout == ""


def test_stdout_carries_only_npy_bytes_when_not_a_terminal(configs):
    result = run("jacobian", configs / "seed.yaml")
    assert result.exit_code == 0
    np.testing.assert_allclose(load_npy(result.stdout_bytes), SEED_J, rtol=1e-12)
    dash = run("jacobian", configs / "seed.yaml", "-o", "-")
    assert dash.stdout_bytes == result.stdout_bytes and dash.stderr == ""


@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
def test_modes_and_chunk_sizes_agree(write_spec, mode):
    path = write_spec(VECTOR)
    result = run("jacobian", path, "--mode", mode, "--chunk-size", "2",
                 "--memory-limit", "64MiB")
    assert result.exit_code == 0, result.output
    J = load_npy(result.stdout_bytes)
    x = np.array([1.0, 2.0, 3.0])
    expected = np.zeros((4, 4))
    expected[:3, :3] = np.diag(2 * np.cos(x))
    expected[:3, 3] = np.sin(x)
    expected[3, :3] = 2 * x
    np.testing.assert_allclose(J, expected, rtol=1e-12)


def test_npz_holds_blocks_and_labels(write_spec, tmp_path):
    target = tmp_path / "J.npz"
    result = run("jacobian", write_spec(VECTOR), "-o", target)
    assert result.exit_code == 0, result.output
    with np.load(target) as data:
        assert set(data.files) == {"jacobian", "rows", "cols", "y__x", "y__a", "s__x", "s__a"}
        assert data["y__x"].shape == (3, 3) and data["y__a"].shape == (3,)
        assert data["s__x"].shape == (3,) and data["s__a"].shape == ()
        assert data["rows"].tolist() == ["y[0]", "y[1]", "y[2]", "s"]
        assert data["cols"].tolist() == ["x[0]", "x[1]", "x[2]", "a"]
        np.testing.assert_array_equal(data["jacobian"][3, :3], data["s__x"])


def test_csv_format(write_spec, tmp_path):
    result = run("jacobian", write_spec(VECTOR), "--format", "csv")
    J = np.loadtxt(io.StringIO(result.stdout), delimiter=",")
    assert J.shape == (4, 4)
    target = tmp_path / "J.csv"
    assert run("jacobian", write_spec(VECTOR), "-o", target).exit_code == 0
    np.testing.assert_array_equal(np.loadtxt(target, delimiter=","), J)


def test_input_overrides_json_file_and_stdin(configs, tmp_path):
    seed = configs / "seed.yaml"
    J = load_npy(run("jacobian", seed, "--input", "x1=3", "--input", "x2=[1, 2]").stdout_bytes)
    assert J.shape == (2, 3)                          # f has the shape of x2 now
    np.save(tmp_path / "x2.npy", np.array(5.0))
    from_file = run("jacobian", seed, "-i", f"x2={tmp_path / 'x2.npy'}")
    np.testing.assert_allclose(load_npy(from_file.stdout_bytes), SEED_J)
    buffer = io.BytesIO()
    np.save(buffer, np.array(2.0))
    piped = run("jacobian", seed, "--input", "x1=-", input=buffer.getvalue())
    np.testing.assert_allclose(load_npy(piped.stdout_bytes), SEED_J)


def test_module_reference_spec(configs):
    ref = f"{configs / 'models' / 'lorenz.py'}:step"
    result = run("jacobian", ref, "--input", "state=[1, 1, 1]", "--input", "sigma=10",
                 "--input", "rho=28", "--input", "beta=2.5")
    assert result.exit_code == 0, result.output
    assert load_npy(result.stdout_bytes).shape == (3, 6)
    missing = run("jacobian", ref, "--input", "state=[1, 1, 1]")
    assert missing.exit_code == 2 and "needs parameter 'sigma'" in missing.stderr


def test_small_jacobian_is_a_table_on_a_terminal(configs, monkeypatch):
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    result = run("jacobian", configs / "seed.yaml")
    assert result.exit_code == 0 and result.stdout == ""
    assert "x1" in result.stderr and "x2" in result.stderr and "5.5" in result.stderr


def test_large_jacobian_is_a_summary_on_a_terminal(write_spec, monkeypatch):
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    result = run("jacobian", write_spec("inputs: {x: {shape: [50], fill: 1}}\n"
                                        "outputs: {y: 2 * x}\n"))
    assert result.exit_code == 0, result.output
    assert "50 x 50" in result.stderr and "nonzeros" in result.stderr


NONFINITE = """
    inputs: {x: [1.0, 0.0, 0.0]}
    outputs: {f: sqrt(x)}
"""


def test_nonfinite_entries_fail_and_leave_no_file(write_spec, tmp_path):
    target = tmp_path / "J.npy"
    result = run("jacobian", write_spec(NONFINITE), "-o", target)
    assert result.exit_code == 1
    assert re.search(r"\d+ Jacobian entries are NaN or inf; the first is at row f\[\d\], "
                     r"column x\[\d\]", result.stderr), result.stderr
    assert "--allow-nonfinite" in result.stderr and "Traceback" not in result.stderr
    assert os.listdir(tmp_path) == ["spec.yaml"]


def test_allow_nonfinite_writes_anyway(write_spec, tmp_path):
    target = tmp_path / "J.npy"
    result = run("jacobian", write_spec(NONFINITE), "-o", target, "--allow-nonfinite")
    assert result.exit_code == 0 and "warning" in result.stderr
    assert np.isinf(np.load(target)[1, 1])


def test_failed_run_keeps_an_existing_file(write_spec, tmp_path):
    target = tmp_path / "J.npy"
    target.write_bytes(b"old")
    assert run("jacobian", write_spec(NONFINITE), "-o", target).exit_code == 1
    assert target.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["J.npy", "spec.yaml"]


def test_missing_output_folder_is_a_usage_error(configs, tmp_path):
    result = run("jacobian", configs / "seed.yaml", "-o", tmp_path / "no" / "J.npy")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_nonfinite_problem_counts_and_names_the_first():
    layout = output.Layout(["f", "g"], [(2,), ()], ["x", "s"], [(2, 2), ()])
    matrix = np.zeros((3, 5))
    assert output.nonfinite_problem(matrix, layout) is None
    matrix[1, 3], matrix[2, 4] = np.inf, np.nan
    assert output.nonfinite_problem(matrix, layout) == (
        "2 Jacobian entries are NaN or inf; the first is at row f[1], column x[1,1] (inf).")
