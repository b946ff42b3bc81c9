"""What a terminal shows: J's table fitted to the width, the plan's text, times in words."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from jaccli import planner
from jaccli.cli import display, main, output
from jaccli.memory import format_seconds

ARM = """
    inputs:
      joint_angles: {shape: [10], random: {seed: 1, low: -1, high: 1}}
    outputs:
      position: stack([sum(sin(joint_angles)), sum(cos(joint_angles)) / 3, sum(joint_angles ** 2)])
"""


def run(*args, columns=80, terminal=True, monkeypatch=None, **kwargs):
    if terminal:
        monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    return CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": str(columns)},
                              **kwargs)


def test_a_3_by_10_jacobian_is_a_table_at_80_columns(write_spec, monkeypatch):
    result = run("jacobian", write_spec(ARM), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert "too large" not in result.stderr and "…" not in result.stderr
    for k in range(10):
        assert f"joint_angles[{k}]" in result.stderr          # labels whole, not 'joint…'
    assert "transposed" in result.stderr                     # 10 columns do not fit 80
    assert max(len(line) for line in result.stderr.splitlines()) <= 80


def test_a_wide_terminal_shows_it_as_is(write_spec, monkeypatch):
    result = run("jacobian", write_spec(ARM), columns=220, monkeypatch=monkeypatch)
    assert result.exit_code == 0 and "transposed" not in result.stderr
    assert "position[2]" in result.stderr


def _labels(prefix, n):
    return lambda: [f"{prefix}[{k}]" for k in range(n)]


def test_fit_table_transposes_before_it_gives_up_digits():
    matrix = np.full((2, 9), -1.2345678901e-7)
    digits, transposed, rows, cols, cells = display.fit_table(
        matrix, _labels("f", 2), _labels("x", 9), 120)
    assert (digits, transposed) == (8, True) and rows[0] == "x[0]" and cols == ["f[0]", "f[1]"]
    assert cells[0][0] == "-1.2345679e-07"
    assert display.fit_table(matrix, _labels("f", 2), _labels("x", 9), 200)[:2] == (8, False)


def test_fewer_digits_are_said():
    matrix = np.full((12, 12), np.pi)
    assert display.fit_table(matrix, _labels("f", 12), _labels("x", 12), 110)[0] == 4
    layout = output.Layout(["f"], [(12,)], ["x"], [(12,)])
    from rich.console import Console
    console = Console(width=110, record=True)
    console.print(display.jacobian_view(matrix, layout, "fwd", width=110))
    text = console.export_text()
    assert "3.142" in text and "4 significant digits" in text and "-o J.csv" in text
    assert "…" not in text


def test_what_cannot_fit_is_a_summary():
    layout = output.Layout(["f"], [(50,)], ["x"], [(50,)])
    from rich.console import Console
    console = Console(width=80, record=True)
    console.print(display.jacobian_view(np.eye(50), layout, "fwd", width=80))
    text = console.export_text()
    assert "nonzeros" in text and "too large for a table 80 columns wide" in text


@pytest.mark.parametrize("seconds, text", [
    (0.5e-3, "500 us"), (0.25, "250.0 ms"), (12.5, "12.50 s"), (150, "2.5 min"),
    (3 * 3600, "3.0 h"), (5 * 86400, "5.0 days"), (280033000.0, "> 1 year")])
def test_format_seconds_reads_as_words(seconds, text):
    assert format_seconds(seconds) == text


def test_plan_text_wraps_between_words_and_says_estimates_are_rough(configs, monkeypatch):
    result = run("plan", configs / "large.yaml", "--sparse", "off", columns=80,
                 terminal=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    data = json.loads(run("plan", configs / "large.yaml", "--sparse", "off", "--json",
                          terminal=False).stdout)
    words = " ".join(result.stdout.split("chosen: ", 1)[1].split())
    assert display.plan_sentence(data)[len("chosen: "):] in words      # no word cut
    assert "Estimates are rough" in words and "2-5x" in words


def test_no_mode_fitting_the_default_budget_is_an_error(configs, monkeypatch):
    monkeypatch.setattr(planner, "default_budget", lambda xp=None: 10_000)
    result = run("plan", configs / "large.yaml", "--sparse", "off", terminal=False)
    assert result.exit_code == 1, result.output
    assert "over budget" not in result.output
    assert "default memory budget" in result.stderr and "--memory-limit" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("extra", [[], ["--sparse", "on"],
                                   ["--batch", "--input", "x=[[1.0], [2.0]]"]])
def test_bytes_on_a_pipe_are_explained_once_when_stderr_is_a_terminal(write_spec, monkeypatch,
                                                                       extra):
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    path = write_spec("inputs: {x: [1.0]}\noutputs: {f: 2 * x}\n")
    result = run("jacobian", path, *extra, terminal=False)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("to stdout as .") == 1 and "-o J.npy" in result.stderr
    assert result.stdout_bytes.startswith((b"\x93NUMPY", b"PK\x03\x04"))
    quiet = run("jacobian", path, *extra, "-o", "-", terminal=False)     # asked for: no note
    assert quiet.stderr == "" and quiet.stdout_bytes == result.stdout_bytes


def test_bytes_on_a_pipe_are_not_explained_to_a_program(write_spec, monkeypatch):
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: False)
    path = write_spec("inputs: {x: [1.0]}\noutputs: {f: 2 * x}\n")
    assert run("jacobian", path, terminal=False).stderr == ""


def test_npz_blocks_are_optional_and_left_out_by_size(write_spec, tmp_path, monkeypatch):
    path = write_spec("inputs: {x: [1.0, 2.0]}\noutputs: {f: 2 * x, g: sum(x)}\n")
    files = {}
    for name, extra in (("auto", []), ("off", ["--no-npz-blocks"]), ("on", ["--npz-blocks"])):
        result = run("jacobian", path, "-o", tmp_path / f"{name}.npz", *extra, terminal=False)
        assert result.exit_code == 0, result.output
        with np.load(tmp_path / f"{name}.npz") as data:
            files[name] = set(data.files)
    assert files["auto"] == files["on"] == {"jacobian", "rows", "cols", "f__x", "g__x"}
    assert files["off"] == {"jacobian", "rows", "cols"}
    monkeypatch.setattr(output, "NPZ_BLOCKS_MAX_BYTES", 16)          # J is 48 bytes
    result = run("jacobian", path, "-o", tmp_path / "big.npz", terminal=False)
    assert "not the OUT__IN blocks" in result.stderr and "--npz-blocks" in result.stderr
    with np.load(tmp_path / "big.npz") as data:
        assert set(data.files) == {"jacobian", "rows", "cols"}
    result = run("jacobian", path, "-o", tmp_path / "big.npz", "--npz-blocks", terminal=False)
    assert "OUT__IN" not in result.stderr
    with np.load(tmp_path / "big.npz") as data:
        assert "f__x" in data.files


def test_plan_table_does_not_call_the_dense_mode_chosen_when_sweeps_are_compressed(configs):
    result = CliRunner().invoke(main, ["plan", str(configs / "large.yaml")])
    assert result.exit_code == 0, result.output
    assert "(dense pick)" in result.stdout and "(chosen)" not in result.stdout
    assert " ".join(result.stdout.split("chosen: ", 1)[1].split()).startswith("compressed")
