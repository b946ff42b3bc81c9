"""`jaccli plan`, `jaccli trace` and `jaccli check`."""

import json

import pytest
from click.testing import CliRunner

from jaccli.cli import main


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def test_plan_json_has_the_contract_keys(configs):
    result = run("plan", configs / "wide.yaml", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"mode", "M", "N", "chunk_size", "reason", "modes"} <= set(data)
    assert data["mode"] == "rev" and (data["M"], data["N"]) == (1, 2001)
    assert set(data["modes"]) == {"fwd", "rev"}
    assert all("sweeps" in info for info in data["modes"].values())
    assert [i["name"] for i in data["inputs"]] == ["w", "b"]
    assert data["outputs"] == [{"name": "loss", "shape": [], "size": 1}]


def test_plan_picks_forward_for_a_tall_jacobian(configs):
    data = json.loads(run("plan", configs / "tall.yaml", "--json").stdout)
    assert data["mode"] == "fwd" and (data["M"], data["N"]) == (32, 4)


def test_plan_respects_mode_chunk_size_and_memory_limit(configs):
    forced = json.loads(run("plan", configs / "wide.yaml", "--json", "--mode", "fwd",
                            "--chunk-size", "100").stdout)
    assert forced["mode"] == "fwd" and forced["chunk_size"] == 100
    roomy = json.loads(run("plan", configs / "large.yaml", "--json").stdout)
    tight = json.loads(run("plan", configs / "large.yaml", "--json",
                           "--memory-limit", "4MB").stdout)    # below the cache-sized chunk
    assert tight["chunk_size"] < roomy["chunk_size"]
    assert tight["modes"][tight["mode"]]["peak_bytes"] <= 4_000_000


def test_plan_tables(configs):
    result = run("plan", configs / "large.yaml")
    assert result.exit_code == 0, result.output
    for words in ("residual", "energy", "2998", "M = 2999", "N = 3001", "sweeps", "chosen"):
        assert words in result.stdout


def test_trace_prints_the_graph(configs):
    result = run("trace", configs / "seed.yaml")
    assert result.exit_code == 0, result.output
    assert "log" in result.stdout and "sin" in result.stdout and "mul" in result.stdout


def test_trace_of_a_module_reference(configs):
    ref = f"{configs / 'models' / 'lorenz.py'}:rhs"
    result = run("trace", ref, "-i", "state=[1, 2, 3]", "-i", "sigma=10", "-i", "rho=28",
                 "-i", "beta=2.5")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") > 5


@pytest.mark.parametrize("name", ["seed", "tall", "lorenz"])
def test_check_passes_on_the_configs(configs, name):
    result = run("check", configs / f"{name}.yaml")
    assert result.exit_code == 0, result.output
    assert "fwd vs rev" in result.stdout and "rev vs FD" in result.stdout
    assert "OK:" in result.stdout


def test_check_fails_where_the_function_has_a_jump(write_spec):
    path = write_spec("inputs: {x: 1.0}\noutputs:\n  f: where(x > 1, 2 * x, x)\n")
    result = run("check", path)
    assert result.exit_code == 1
    assert "NO" in result.stdout
    assert "disagree beyond the tolerance" in result.stderr and "f, x" in result.stderr


def test_check_rtol_is_validated(configs):
    assert run("check", configs / "seed.yaml", "--rtol", "-1").exit_code == 2
