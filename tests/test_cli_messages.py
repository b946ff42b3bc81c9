"""Messages that used to mislead: each bad input, and the sentence it gets now."""

import io

import numpy as np
import pytest
from click.testing import CliRunner

from jaccli.cli import main
from jaccli.spec import SpecError
from jaccli.spec.expr import Expr


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def assert_usage_error(result, *words):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    for word in words:
        assert word in result.stderr, result.stderr


def load_npy(data):
    return np.load(io.BytesIO(data), allow_pickle=False)


def test_input_paths_are_relative_to_the_current_directory(configs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("jacobian", configs / "seed.yaml", "--input", "x1=nope.npy")
    assert_usage_error(result, "nope.npy' not found", "relative to the current directory",
                       str(tmp_path))
    assert "spec file" not in result.stderr


@pytest.fixture
def two_npz(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.savez(tmp_path / "two.npz", a=np.array(2.0), b=np.array([1.0, 2.0]))
    return "two.npz"


def test_npz_key_after_a_colon(configs, two_npz):
    result = run("jacobian", configs / "seed.yaml", "--input", f"x1={two_npz}:a")
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(load_npy(result.stdout_bytes), [[5.5, 2.0 - np.cos(5.0)]])
    assert load_npy(run("jacobian", configs / "seed.yaml", "--input",
                        f"x2={two_npz}:b").stdout_bytes).shape == (2, 3)


def test_npz_with_two_arrays_says_how_to_pick_one_on_the_command_line(configs, two_npz):
    assert_usage_error(run("jacobian", configs / "seed.yaml", "--input", f"x1={two_npz}"),
                       "has arrays a, b", "--input x1=two.npz:NAME")
    assert_usage_error(run("jacobian", configs / "seed.yaml", "--input", f"x1={two_npz}:zz"),
                       "no array 'zz'", "a, b")


def test_npz_with_two_arrays_in_a_spec_says_key(write_spec, two_npz):
    path = write_spec("inputs: {x: {file: two.npz}}\noutputs: {f: x}\n")
    assert_usage_error(run("jacobian", path), "{file: two.npz, key: NAME}")


def test_npz_on_stdin(configs):
    one, two = io.BytesIO(), io.BytesIO()
    np.savez(one, x=np.array(2.0))
    np.savez(two, x=np.array(2.0), y=np.array(3.0))
    result = run("jacobian", configs / "seed.yaml", "--input", "x1=-", input=one.getvalue())
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(load_npy(result.stdout_bytes)[0, 0], 5.5)
    result = run("jacobian", configs / "seed.yaml", "--input", "x1=-", input=two.getvalue())
    assert_usage_error(result, "standard input holds a .npz with arrays x, y", "np.save")
    assert "<U" not in result.stderr


def test_batch_without_a_point_axis_says_so(configs):
    result = run("jacobian", configs / "lorenz_rhs.yaml", "--batch", "-o", "-")
    assert_usage_error(result, "--batch", "first axis of every input runs over the points",
                       "state []", "--input state=points.npy of shape (B, 3)")
    assert "invalid index" not in result.stderr


@pytest.mark.parametrize("source, value", [
    ("linalg.norm(x)", np.sqrt(5.0)),
    ("sum(linalg.solve(eye(2), x))", 3.0),
    ("concatenate([[0.0], x, [0.0]])", [0.0, 1.0, 2.0, 0.0]),
    ("stack([[x[0], x[1]], [x[1], x[0]]])", [[1.0, 2.0], [2.0, 1.0]]),
    ("concatenate([[[1.0, 0.0]], [x]])", [[1.0, 0.0], [1.0, 2.0]]),
])
def test_linalg_prefix_and_nested_lists(source, value):
    expr = Expr(source, "s.yaml, outputs.f", {"x"})
    np.testing.assert_allclose(expr.evaluate({"x": np.array([1.0, 2.0])}), value)


def test_nested_lists_are_differentiated(write_spec):
    path = write_spec('inputs: {x: [1.0, 2.0]}\noutputs: {f: "concatenate([[0.0], x, [0.0]])"}\n')
    result = run("jacobian", path)
    assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(load_npy(result.stdout_bytes), np.eye(4, 2, k=-1))


@pytest.mark.parametrize("source, words", [
    ("np.linalg.norm(x)", "write norm(...) (or linalg.norm) rather than np.linalg.norm"),
    ("np.sin(x)", "write sin(...) rather than np.sin"),
    ("x.sum()", "write sum(x, ...) rather than x.sum(...)"),
    ("x.T", "attribute access"),
    ("linalg.norm.__globals__", "attribute access"),
    ("linalg.__init__(x)", "attribute access"),
    ("linalg.norm(x).real", "attribute access"),
    ("linalg.eig(x)", "unknown function 'linalg.eig'; from linalg: solve, inv, det"),
    ("linalg.inv.T(x)", "attribute access"),
    ("stack([[]])", "empty list"),
    ("sum([[x]])", "only allowed as the argument of"),
])
def test_attribute_access_stays_refused(source, words):
    with pytest.raises(SpecError) as info:
        Expr(source, "s.yaml, outputs.f", {"x"})
    assert words in str(info.value)


def test_check_help_names_the_rtol_value():
    text = run("check", "--help").output
    assert "--rtol R " in text and "FLOAT RANGE" not in text
