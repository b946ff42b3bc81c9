"""The example specs shipped in the package: `jaccli example`, `python -m jaccli`, `-V`."""

import filecmp
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from jaccli.cli import examples, main

ROOT = Path(__file__).resolve().parent.parent


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def test_the_shipped_examples_are_the_configs():
    shipped, configs = ROOT / "jaccli" / "examples", ROOT / "configs"
    names = sorted(p.name for p in configs.glob("*.yaml"))
    assert sorted(p.name for p in shipped.glob("*.yaml")) == names
    _, mismatch, errors = filecmp.cmpfiles(configs, shipped, names + ["models/lorenz.py"],
                                           shallow=False)
    assert mismatch == errors == [], "copy configs/ to jaccli/examples/ again"


def test_pyproject_ships_them():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'jaccli = ["examples/*.yaml", "examples/models/*.py"]' in text


def test_example_lists_them():
    result = run("example")
    assert result.exit_code == 0, result.output
    for name in ("seed", "wide", "tall", "lorenz", "large", "brusselator"):
        assert name in result.stdout
    assert "jaccli example NAME" in result.stdout


@pytest.mark.parametrize("name", sorted(examples.names()))
def test_each_example_is_written_and_runs(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    result = run("example", name)
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{name}.yaml").exists() and "wrote" in result.stderr
    plan = run("plan", f"{name}.yaml", "--json")
    assert plan.exit_code == 0, plan.output


def test_example_with_a_model_writes_it_too_and_refuses_to_overwrite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("example", "lorenz").exit_code == 0
    assert (tmp_path / "models" / "lorenz.py").exists()
    J = run("jacobian", "lorenz.yaml", "-o", "J.npy")
    assert J.exit_code == 0, J.output
    assert np.load(tmp_path / "J.npy").shape == (120, 6)
    again = run("example", "lorenz")
    assert again.exit_code == 2 and "already exist" in again.stderr and "--force" in again.stderr
    assert run("example", "lorenz", "--force").exit_code == 0


def test_example_to_stdout_and_unknown_names():
    assert run("example", "seed", "-o", "-").stdout.startswith("# The AD primer")
    result = run("example", "nope")
    assert result.exit_code == 2 and "seed" in result.output


def test_python_dash_m_and_version():
    for args in (["-V"], ["--version"]):
        result = subprocess.run([sys.executable, "-m", "jaccli", *args], capture_output=True,
                                text=True, timeout=60, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("jaccli, version ")
    result = subprocess.run([sys.executable, "-m", "jaccli", "--help"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.stdout.startswith("Usage: jaccli ") and "example" in result.stdout


def test_shell_completion_script():
    import os
    env = {**os.environ, "_JACCLI_COMPLETE": "bash_source"}
    result = subprocess.run([sys.executable, "-c", "from jaccli.cli import main; "
                             "main(prog_name='jaccli')"], capture_output=True, text=True,
                            timeout=60, env=env, cwd=ROOT)
    assert result.returncode == 0 and "_jaccli_completion" in result.stdout
