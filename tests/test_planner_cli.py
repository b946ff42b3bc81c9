"""The planner on the command line: `plan` tables and JSON, `jacobian --explain`,
`-o J.npy` written chunk by chunk, the progress bar."""

import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from jaccli.cli import display, main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_plan_json_keeps_the_contract_keys_and_adds_estimates(configs):
    result = run("plan", configs / "large.yaml", "--json", "--memory-limit", "16MB")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"mode", "M", "N", "chunk_size", "reason", "modes", "storage"} <= set(data)
    for info in data["modes"].values():
        assert {"sweeps", "chunk_size", "peak_bytes", "est_seconds"} <= set(info)
        assert info["peak_bytes"] <= 16e6
    assert data["modes"][data["mode"]]["chunk_size"] == data["chunk_size"]


def test_plan_table_shows_each_mode_and_one_sentence(configs):
    # the dense planner's table (by default, plan also weighs compressed sweeps: large.yaml's
    # J is sparse, see tests/test_cli_sparse.py)
    result = run("plan", configs / "large.yaml", "--memory-limit", "16MB", "--sparse", "off")
    assert result.exit_code == 0, result.output
    for words in ("sweeps", "chunk size", "peak memory", "est. time", "(chosen)",
                  "budget 16.0 MB"):
        assert words in result.stdout
    sentence = " ".join(result.stdout.split("chosen: ", 1)[1].split())   # wrapped at words
    assert sentence.startswith("fwd mode") and "3001 columns against 2999 rows" in sentence
    assert "Estimates are rough: measured runs are often 2-5x slower" in sentence


def test_jacobian_explain_prints_the_plan_to_stderr_then_computes(configs, tmp_path):
    out = tmp_path / "J.npy"
    result = run("jacobian", configs / "wide.yaml", "--explain", "-o", out)
    assert result.exit_code == 0, result.output
    assert "chosen: rev mode" in result.stderr and "sweeps" in result.stderr
    assert np.load(out).shape == (1, 2001)


def test_explain_with_stdout_data_keeps_stdout_clean(configs):
    result = run("jacobian", configs / "seed.yaml", "--explain", "-o", "-")
    assert result.exit_code == 0, result.output
    J = np.load(io.BytesIO(result.stdout_bytes))
    assert J.shape == (1, 2) and "chosen:" in result.stderr


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_big_jacobian_goes_to_the_file_chunk_by_chunk(configs, tmp_path, mode):
    whole, mapped = tmp_path / "whole.npy", tmp_path / "mapped.npy"
    assert run("jacobian", configs / "large.yaml", "--mode", mode, "-o", whole).exit_code == 0
    result = run("jacobian", configs / "large.yaml", "--mode", mode, "--memory-limit", "8MB",
                 "-o", mapped)
    assert result.exit_code == 0, result.output
    assert "chunk by chunk" in result.stderr
    assert np.array_equal(np.load(mapped), np.load(whole))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mapped.npy", "whole.npy"]


def test_too_small_a_limit_is_a_usage_error_before_any_work(configs, tmp_path):
    result = run("jacobian", configs / "large.yaml", "--memory-limit", "1kb",
                 "-o", tmp_path / "J.npy")
    assert result.exit_code == 2
    assert "too small" in result.stderr and "--memory-limit" in result.stderr
    assert not list(tmp_path.iterdir())


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


class FakePlan:
    chunk_size, mode = 10, "fwd"


def test_progress_bar_only_for_long_multi_chunk_runs_on_a_terminal(monkeypatch):
    clock, shown = [0.0], []
    monkeypatch.setattr(display.ChunkProgress, "_spin", lambda self, text: None)
    monkeypatch.setattr(display.ChunkProgress, "_show",
                        lambda self, total: (shown.append(total), setattr(self, "bar", _Sink())))
    assert not display.ChunkProgress("J", stream=io.StringIO()).active   # not a terminal

    def started():
        bar = display.ChunkProgress("J", stream=FakeTerminal())
        bar.now = lambda: clock[0]
        bar.start(FakePlan())
        return bar

    clock[0] = 0.0
    fast = started()
    clock[0] = 0.01
    fast.update(10, 100)                    # 0.01 s for 10 of 100 seeds: projected 0.1 s
    fast.update(20, 100)
    assert not shown
    one_chunk = started()
    clock[0] = 5.0
    one_chunk.update(10, 10)                # a single chunk never shows a bar
    assert not shown
    slow = started()
    clock[0] = 5.3
    slow.update(10, 100)                    # 0.3 s for 10 of 100: projected 3 s
    assert shown == [100]


class _Sink:
    def update(self, *args, **kwargs):
        pass

    def stop(self):
        pass
