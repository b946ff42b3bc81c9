"""Every spec mistake exits 2 with one sentence naming the file and field; code never runs."""

import pytest
from click.testing import CliRunner

from jaccli.cli import main


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def assert_usage_error(result, *words):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for word in words:
        assert word in result.stderr, result.stderr


CASES = {
    "malformed_yaml": ("inputs: {x: 1.0\noutputs: {f: x}", "malformed YAML at line"),
    "unknown_key": ("inputs: {x: 1.0}\nouputs: {f: x}\n", "unknown top-level key 'ouputs'"),
    "no_value": ("inputs:\n  x:\noutputs: {f: x}\n", "inputs.x has no value"),
    "non_numeric": ("inputs: {x: hello}\noutputs: {f: x}\n", "inputs.x: 'hello' is not a number"),
    "unknown_function": ("inputs: {x: 1.0}\noutputs: {f: foo(x)}\n",
                         "outputs.f: unknown function 'foo'"),
    "attribute": ("inputs: {x: 1.0}\noutputs: {f: x.T}\n", "outputs.f: attribute access"),
    "dunder_import": ("inputs: {x: 1.0}\noutputs:\n  f: __import__('os')\n",
                      "names starting with '_'"),
    "lambda": ("inputs: {x: 1.0}\noutputs:\n  f: '(lambda: x)()'\n", "lambda is not allowed"),
    "comprehension": ("inputs: {x: [1.0]}\noutputs:\n  f: sum([v for v in x])\n",
                      "comprehensions are not allowed"),
    "non_constant_kwarg": ("inputs: {x: [1.0]}\noutputs:\n  f: sum(x, axis=x)\n",
                           "keyword argument axis= of sum must be a constant"),
    "undefined_name": ("inputs: {x: 1.0}\noutputs: {f: y + x}\n", "outputs.f: undefined name 'y'"),
    "broadcast": ("inputs: {x: [1.0, 2.0], y: [1.0, 2.0, 3.0]}\noutputs: {f: x * y}\n",
                  "outputs.f: operands could not be broadcast"),
    "module_not_found": ("inputs: {x: 1.0}\nfunction: nowhere.py:f\n",
                         "function: module file 'nowhere.py' not found"),
    "function_not_found": ("inputs: {x: 1.0}\nfunction: json:no_such_function\n",
                           "has no function 'no_such_function'"),
    "too_large": ("inputs:\n  x: {shape: ['10**7', '10**7'], fill: 0}\noutputs: {f: x}\n",
                  "inputs.x: an array of shape [10000000, 10000000] needs 800.0 TB"),
    "input_file": ("inputs: {x: {file: missing.npy}}\noutputs: {f: x}\n",
                   "input file 'missing.npy' not found"),
}


@pytest.mark.parametrize("command", ["jacobian", "plan", "trace", "check"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_spec_errors_exit_2_with_one_sentence(write_spec, command, case):
    text, words = CASES[case]
    path = write_spec(text)
    assert_usage_error(run(command, path), str(path), words)


def test_missing_spec_file(tmp_path):
    assert_usage_error(run("jacobian", tmp_path / "nope.yaml"), "nope.yaml' not found")


def test_unknown_input_override(configs):
    assert_usage_error(run("jacobian", configs / "seed.yaml", "--input", "zz=1"),
                       "--input zz", "no input or constant named 'zz'")


def test_missing_input_file_override(configs):
    assert_usage_error(run("jacobian", configs / "seed.yaml", "--input", "x1=gone.npy"),
                       "input file 'gone.npy' not found")


def test_module_reference_not_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_usage_error(run("jacobian", "no_such_pkg_q.mod:f", "--input", "x=1"),
                       "module 'no_such_pkg_q.mod' not found")
    assert_usage_error(run("jacobian", "missing.py:f", "--input", "x=1"),
                       "module file 'missing.py' not found")


ATTACKS = [
    "__import__('os').system('touch {marker}')",
    "().__class__.__bases__[0].__subclasses__()",
    "open('{marker}', 'w')",
    "eval(\"__import__('os').system('touch {marker}')\")",
    "exec('open(\"{marker}\", \"w\")')",
    "[c for c in ().__class__.__base__.__subclasses__()]",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_specs_that_try_to_run_code_fail_and_run_nothing(write_spec, tmp_path, attack):
    marker = tmp_path / "pwned"
    expression = attack.format(marker=marker).replace("'", "''")
    path = write_spec(f"inputs: {{x: 1.0}}\noutputs:\n  f: '{expression}'\n")
    for command in ("jacobian", "plan", "trace", "check"):
        assert_usage_error(run(command, path), str(path), "outputs.f")
    assert not marker.exists()


def test_yaml_tags_cannot_build_python_objects(write_spec, tmp_path):
    marker = tmp_path / "pwned"
    path = write_spec(f"inputs: !!python/object/apply:os.system ['touch {marker}']\n"
                      "outputs: {f: x}\n")
    assert_usage_error(run("jacobian", path), "malformed YAML")
    assert not marker.exists()


def test_debug_shows_the_traceback(write_spec):
    path = write_spec(CASES["unknown_function"][0])
    result = run("jacobian", path, "--debug")
    assert result.exit_code == 2 and "Traceback" in result.stderr


def test_engine_tracing_errors_exit_2_and_name_the_spec(write_spec, tmp_path):
    (tmp_path / "uses_histogram.py").write_text(
        "import numpy as np\ndef f(x):\n    return np.histogram(x)[0]\n")
    path = write_spec("inputs: {x: [1.0, 2.0, 3.0]}\nfunction: uses_histogram.py:f\n")
    assert_usage_error(run("jacobian", path), str(path), "np.histogram is not supported")


def test_unexpected_failures_exit_1_and_point_at_debug(write_spec, tmp_path):
    (tmp_path / "fails.py").write_text("def f(x):\n    raise RuntimeError('solver diverged')\n")
    path = write_spec("inputs: {x: 1.0}\nfunction: fails.py:f\n")
    result = run("jacobian", path)
    assert result.exit_code == 1 and result.stdout == ""
    assert "RuntimeError: solver diverged" in result.stderr and "--debug" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Traceback" in run("jacobian", path, "--debug").stderr
