"""Every snippet of README.md runs, so it cannot rot: each ```python block in a fresh namespace,
and each `jaccli ...` line of the ```sh blocks (through CliRunner when it is one command, in
bash with `jaccli` as `python -m jaccli` when it is a pipeline), in a folder holding a copy of
configs/. Installation lines (venv, pip) are not run."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jaccli.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.S | re.M)


def shell_lines(block):
    """The logical lines (continuations joined) of an sh block, install lines left out."""
    lines = []
    for line in block.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "pip install" in line or "venv" in line:
            continue
        lines.append(line)
    return lines


PYTHON = blocks("python")
OPTIONAL = {"dask": "dask", "plot": "matplotlib"}      # extra -> the module its snippets import
SHELL = [lines for lines in map(shell_lines, blocks("sh")) if lines]


def test_the_readme_has_snippets():
    assert len(PYTHON) >= 3 and sum(map(len, SHELL)) >= 15


@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_python_snippet_runs(index, tmp_path, monkeypatch, capsys):
    for extra, module in OPTIONAL.items():       # a snippet of an optional extra
        if f"import {module}" in PYTHON[index] or f"from {module}" in PYTHON[index]:
            pytest.importorskip(module, reason=f"needs pip install 'jaccli[{extra}]'")
    monkeypatch.chdir(tmp_path)
    code = compile(PYTHON[index], f"README.md python block {index + 1}", "exec")
    exec(code, {"__name__": "readme_snippet"})


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _is_one_command(line):
    return line.startswith("jaccli ") and not re.search(r"[|;&<>]", line.split("#")[0])


@pytest.mark.parametrize("index", range(len(SHELL)))
def test_shell_block_runs(index, workdir):
    """The block's lines in order, in one folder (a line may read what an earlier wrote)."""
    for line in SHELL[index]:
        run_line(line, workdir)


def run_line(line, workdir):
    if _is_one_command(line):
        args = shlex.split(line, comments=True)[1:]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, f"{line}\n{result.output}"
        return
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")])}
    script = (f'jaccli() {{ "{sys.executable}" -m jaccli "$@"; }}\n'
              f'python() {{ "{sys.executable}" "$@"; }}\nset -o pipefail\n{line}\n')
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                            env=env, cwd=workdir)
    assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("index", range(len(blocks("yaml"))))
def test_yaml_spec_snippet_computes(index, workdir):
    (workdir / "spec.yaml").write_text(blocks("yaml")[index])
    result = CliRunner().invoke(main, ["jacobian", "spec.yaml", "-o", "J.npy"])
    assert result.exit_code == 0, result.output


def test_the_supported_pythons_are_the_ones_pyproject_allows():
    pyproject = (ROOT / "pyproject.toml").read_text()
    low, high = re.search(r'requires-python = ">=3\.(\d+),<3\.(\d+)"', pyproject).groups()
    assert f"Python 3.{low} to 3.{int(high) - 1}" in README
    assert f'`requires-python = ">=3.{low},<3.{high}"`' in README
