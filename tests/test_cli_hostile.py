"""Hostile and unlucky inputs (issue 19): special files as -o, signals while writing, spec bombs,
memory limits that hold, closed streams, odd input files and misbehaving module functions.

Each case feeds the bad input and checks the exit code, the sentence, that no file or
temporary is left, and that an existing output file is byte-identical afterwards.
NOTE: we may run as root; no test may replace /dev/null (``assert_dev_null_intact``).
"""

import errno
import io
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from jaccli.cli import main, output, running

ROOT = Path(__file__).resolve().parent.parent
SEED_J = np.array([[5.5, 2.0 - np.cos(5.0)]])
OLD = b"old bytes, not to be touched"
COMMAND = [sys.executable, "-c", "from jaccli.cli import main; main()"]


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def start(args, **kwargs):
    return subprocess.Popen(COMMAND + [str(a) for a in args], env=environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def run_closed(args, stream):
    """The command in a shell that closes its stdin (0) or stdout (1) first."""
    script = f'exec "$@" {stream}<&-' if stream == 0 else f'exec "$@" {stream}>&-'
    return subprocess.run(["sh", "-c", script, "sh", *COMMAND, *map(str, args)],
                          env=environment(), capture_output=True, timeout=60)


def assert_refused(result, code, *words):
    stderr = result.stderr if isinstance(result.stderr, str) else result.stderr.decode()
    exit_code = getattr(result, "exit_code", getattr(result, "returncode", None))
    assert exit_code == code, stderr
    assert "Traceback" not in stderr and "unexpected" not in stderr, stderr
    for word in words:
        assert word in stderr, stderr


def assert_only(folder, *names):
    """Nothing but ``names`` in ``folder``: no partial file, no temporary."""
    assert sorted(os.listdir(folder)) == sorted(names)


@pytest.fixture(autouse=True)
def assert_dev_null_intact():
    yield
    assert os.path.exists("/dev/null") and stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.fixture
def old_target(tmp_path):
    def make(name="J.npy"):
        target = tmp_path / name
        target.write_bytes(OLD)
        return target
    return make


# --------------------------------------------------------- 1. special files as -o ----------
def test_fifo_output_is_written_into_not_replaced(configs, tmp_path):
    fifo = tmp_path / "J.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("jacobian", configs / "seed.yaml", "-o", fifo, "--format", "npy")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    np.testing.assert_allclose(np.load(io.BytesIO(received[0])), SEED_J)
    assert_only(tmp_path, "J.fifo")


@pytest.mark.parametrize("fmt", ["npy", "npz", "csv"])
def test_dev_null_stays_a_device(configs, fmt):
    result = run("jacobian", configs / "seed.yaml", "-o", "/dev/null", "--format", fmt)
    assert result.exit_code == 0, result.output


def test_dev_full_fails_with_no_space_left(configs):
    result = run("jacobian", configs / "seed.yaml", "-o", "/dev/full")
    assert_refused(result, 1, "/dev/full", "no space left")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_symlink_output_replaces_its_target(configs, tmp_path, old_target):
    target = old_target("target.npy")
    link = tmp_path / "link.npy"
    link.symlink_to(target)
    result = run("jacobian", configs / "seed.yaml", "-o", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    np.testing.assert_allclose(np.load(target), SEED_J)
    assert_only(tmp_path, "link.npy", "target.npy")


def test_symlink_to_dev_null_leaves_both(configs, tmp_path):
    link = tmp_path / "J.npy"
    link.symlink_to("/dev/null")
    assert run("jacobian", configs / "seed.yaml", "-o", link).exit_code == 0
    assert link.is_symlink()
    assert_only(tmp_path, "J.npy")


@pytest.mark.slow
def test_dev_stdout_carries_the_npy(configs, tmp_path):
    process = start(["jacobian", configs / "seed.yaml", "-o", "/dev/stdout"])
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    np.testing.assert_allclose(np.load(io.BytesIO(out)), SEED_J)


def test_output_folder_is_a_usage_error(configs, tmp_path):
    result = run("jacobian", configs / "seed.yaml", "-o", tmp_path)
    assert_refused(result, 2, "is a folder", "J.npy")
    assert_only(tmp_path)


@pytest.mark.parametrize("fmt", ["npy", "npz", "csv"])
def test_full_disk_keeps_the_existing_file(configs, tmp_path, old_target, monkeypatch, fmt):
    target = old_target(f"J.{fmt}")

    def full(matrix, layout, fmt, stream):
        stream.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(output, "serialize", full)
    result = run("jacobian", configs / "seed.yaml", "-o", target)
    assert_refused(result, 1, str(target), "no space left")
    assert target.read_bytes() == OLD
    assert_only(tmp_path, target.name)


# ------------------------------------------------------------- 2. signals ----------------
@pytest.mark.parametrize("interrupt, code", [
    (KeyboardInterrupt(), 130),
    (running.Stopped(signal.SIGTERM), 128 + signal.SIGTERM),
    (running.Stopped(signal.SIGHUP), 128 + signal.SIGHUP)])
@pytest.mark.parametrize("fmt", ["npy", "npz", "csv"])
def test_interrupted_write_removes_the_temporary(configs, tmp_path, old_target, monkeypatch,
                                                 interrupt, code, fmt):
    target = old_target(f"J.{fmt}")

    def interrupted(matrix, layout, fmt, stream):
        stream.write(b"partial")
        raise interrupt
    monkeypatch.setattr(output, "serialize", interrupted)
    result = run("jacobian", configs / "seed.yaml", "-o", target)
    assert_refused(result, code, "stopped by SIG")
    assert target.read_bytes() == OLD
    assert_only(tmp_path, target.name)


@pytest.mark.parametrize("fmt", ["npy", "csv"])
def test_signal_right_after_the_temporary_is_made(configs, tmp_path, old_target, monkeypatch,
                                                  fmt):
    """The signal may arrive before any try block guards the new temporary."""
    target = old_target(f"J.{fmt}")
    made = output.temporary_beside

    def then_stopped(path):
        made(path)
        raise running.Stopped(signal.SIGTERM)
    monkeypatch.setattr(output, "temporary_beside", then_stopped)
    result = run("jacobian", configs / "seed.yaml", "-o", target)
    assert_refused(result, 128 + signal.SIGTERM, "stopped by SIGTERM")
    assert target.read_bytes() == OLD
    assert_only(tmp_path, target.name)


BIG = "inputs: {x: {shape: [2500], fill: 1}}\noutputs: {y: 2 * x}\n"


def _wait_for_temporary(process, folder, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if any(name.endswith(".tmp") for name in os.listdir(folder)):
            return True
        time.sleep(0.005)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("signum, fmt, extra", [
    (signal.SIGTERM, "csv", []),
    (signal.SIGHUP, "csv", []),
    (signal.SIGINT, "csv", []),
    (signal.SIGTERM, "npy", ["--memory-limit", "2MB", "--mode", "fwd"]),   # memmap sweeps
    (signal.SIGHUP, "npy", ["--memory-limit", "2MB", "--mode", "fwd"]),
])
def test_signal_while_writing_removes_the_temporary(tmp_path, signum, fmt, extra):
    spec = tmp_path / "big.yaml"
    spec.write_text(BIG)
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"J.{fmt}"
    target.write_bytes(OLD)
    process = start(["jacobian", spec, "-o", target, *extra])
    try:
        assert _wait_for_temporary(process, out), process.communicate(timeout=60)
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signum, err
    assert b"stopped by" in err and b"Traceback" not in err
    assert target.read_bytes() == OLD
    assert_only(out, target.name)


def test_stale_temporaries_are_removed_only_when_their_process_is_gone(configs, tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = tmp_path / f".J.npy.{gone.pid}-abcd1234.tmp"
    alive = tmp_path / f".J.npy.{os.getppid()}-abcd1234.tmp"
    other = tmp_path / f".K.npy.{gone.pid}-abcd1234.tmp"
    foreign = tmp_path / ".J.npy.somebody.tmp"
    for path in (stale, alive, other, foreign):
        path.write_bytes(b"x")
    result = run("jacobian", configs / "seed.yaml", "-o", tmp_path / "J.npy")
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert alive.exists() and other.exists() and foreign.exists()


# ------------------------------------------------------------ 3. spec bombs --------------
def _bomb(levels=9):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\ninputs: {{x: *a{levels - 1}}}\noutputs: {{f: x}}\n"


BOMBS = {
    "billion_laughs": (_bomb(), "expands to more than 1000000 values"),
    "self_alias": ("a: &a [1, *a]\ninputs: {x: *a}\noutputs: {f: x}\n",
                   "alias refers to the list or mapping that contains it"),
    "yaml_depth": ("inputs: {x: " + "[" * 150 + "1" + "]" * 150 + "}\noutputs: {f: x}\n",
                   "nested too deeply (limit 100)"),
    "yaml_very_deep": ("inputs: {x: " + "[" * 20000 + "1" + "]" * 20000 + "}\n"
                       "outputs: {f: x}\n", "nested too deeply (limit 100)"),
    "value_depth": ("inputs: {x: " + "[" * 40 + "1" + "]" * 40 + "}\noutputs: {f: x}\n",
                    "nested too deeply (limit 32)"),
    "let_chain": ("inputs: {x: 1.0}\nlet:\n  a0: x\n"
                  + "".join(f"  a{i}: a{i - 1} + x\n" for i in range(1, 1001))
                  + "outputs: {f: a1000}\n", "let: has 1001 entries, more than the limit of 1000"),
    "huge_file": ("inputs: {x: 1.0}\noutputs: {f: x}\n" + "# padding\n" * 30000,
                  "more than the limit of 262144"),
    "unary_depth": ("inputs: {x: 1.0}\noutputs: {f: '" + "-" * 5000 + "x'}\n",
                    "nested too deeply (limit 200)"),
    "sum_depth": ("inputs: {x: 1.0}\noutputs: {f: '" + "x + " * 900 + "x'}\n",
                  "nested too deeply (limit 200)"),
    "paren_depth": ("inputs: {x: 1.0}\noutputs: {f: '" + "sin(" * 300 + "x" + ")" * 300
                    + "'}\n", "nested too deeply (limit 200)"),
    "long_expression": ("inputs: {x: 1.0}\noutputs: {f: 'stack([" + ", ".join(["x"] * 4000)
                        + "])'}\n", "12007 characters long, more than the limit of 10000"),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_spec_bombs_exit_2_naming_the_limit(write_spec, tmp_path, old_target, case):
    text, words = BOMBS[case]
    spec = write_spec(text)
    target = old_target()
    began = time.monotonic()
    result = run("jacobian", spec, "-o", target)
    assert time.monotonic() - began < 10
    assert_refused(result, 2, str(spec), words)
    assert target.read_bytes() == OLD
    assert_only(tmp_path, "spec.yaml", "J.npy")


def test_a_long_let_chain_within_the_limit_runs(write_spec):
    text = ("inputs: {x: 1.0}\nlet:\n  a0: x\n"
            + "".join(f"  a{i}: a{i - 1} + x\n" for i in range(1, 1000)) + "outputs: {f: a999}\n")
    result = run("jacobian", write_spec(text))
    assert result.exit_code == 0, result.output
    assert np.load(io.BytesIO(result.stdout_bytes))[0, 0] == 1000.0


def test_expressions_keep_no_copy_of_their_scope():
    from jaccli.spec.expr import Expr
    expr = Expr("x + 1", "here", {"x", "y"})
    assert not hasattr(expr, "_user_scope") and expr.names == {"x"}


@pytest.mark.parametrize("text", ["[" * 50000 + "]" * 50000, "[" * 40 + "1" + "]" * 40])
def test_deep_input_json_exits_2(configs, text):
    result = run("jacobian", configs / "seed.yaml", "--input", f"x1={text}")
    assert_refused(result, 2, "--input x1", "nested too deeply (limit 32)")


# ------------------------------------------------------- 4. memory limits that hold ------
@pytest.mark.parametrize("command", [["jacobian", "-o", "J.npy"], ["plan", "--json"]])
def test_chunk_size_over_the_memory_limit_is_refused(configs, tmp_path, old_target,
                                                     monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    target = old_target()
    result = run(command[0], configs / "large.yaml", "--chunk-size", "3001",
                 "--memory-limit", "16MB", *command[1:])
    assert_refused(result, 2, "chunk size 3001 needs", "memory limit 16.0 MB",
                   "lower --chunk-size to at most")
    assert result.stdout == ""
    assert target.read_bytes() == OLD
    assert_only(tmp_path, "J.npy")


def test_chunk_size_within_the_memory_limit_still_runs(configs):
    result = run("plan", configs / "large.yaml", "--chunk-size", "64", "--memory-limit", "64MB",
                 "--json")
    assert result.exit_code == 0, result.output
    assert '"chunk_size": 64' in result.stdout


CREATIONS = {
    "tile": ("x: [1.0, 2.0]", "tile(x, 10**8)"),
    "repeat": ("x: [1.0, 2.0]", "repeat(x, 10**8)"),
    "outer": ("x: {shape: [100000], fill: 1}", "outer(x, x)"),
    "kron": ("x: {shape: [100000], fill: 1}", "kron(x, x)"),
    "einsum": ("x: {shape: [100000], fill: 1}", "einsum('i,j->ij', x, x)"),
    "broadcasting": ("x: {shape: [100000], fill: 1}", "x[:, None] * x[None, :]"),
    "matmul": ("x: {shape: [100000], fill: 1}", "x[:, None] @ x[None, :]"),
    "diag": ("x: {shape: [100000], fill: 1}", "diag(x)"),
    "eye": ("x: 1.0", "x * eye(100000)"),
    "broadcast_to": ("x: 1.0", "broadcast_to(x, (100000, 100000))"),
    "where": ("x: {shape: [100000], fill: 1}", "where(x[:, None] > 0, x, 0)"),
    "shape_input": ("x: {shape: ['10**8'], fill: 1}", "x"),
}


@pytest.mark.parametrize("case", sorted(CREATIONS))
def test_creations_over_the_memory_limit_are_refused_before_allocating(write_spec, tmp_path,
                                                                      old_target, case):
    inputs, expression = CREATIONS[case]
    spec = write_spec(f"inputs:\n  {inputs}\noutputs:\n  f: \"{expression}\"\n")
    target = old_target()
    began = time.monotonic()
    result = run("jacobian", spec, "--memory-limit", "64MB", "-o", target)
    assert time.monotonic() - began < 10
    assert_refused(result, 2, str(spec), "needs", "the memory limit 64.0 MB is too small",
                   "raise --memory-limit")
    assert target.read_bytes() == OLD
    assert_only(tmp_path, "spec.yaml", "J.npy")


@pytest.mark.parametrize("size", ["inf", "1e400", "nan", "-inf", "9" * 400 + "GB"])
def test_memory_limit_that_is_not_finite_is_a_usage_error(configs, size):
    result = run("plan", configs / "seed.yaml", "--memory-limit", size)
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "--memory-limit" in result.output
    assert "size" in result.output


# ------------------------------------------------------ 5. messages that are sentences ----
def _fifo(folder):
    os.mkfifo(folder / "u.fifo")
    return "u.fifo"


@pytest.mark.parametrize("make, words", [
    (lambda folder: "/dev/zero", "is a device, not a file"),
    (_fifo, "is a FIFO (named pipe), not a file"),
    (lambda folder: (folder / "d").mkdir() or "d", "is a folder, not a file"),
])
def test_input_files_that_are_not_files(write_spec, tmp_path, make, words):
    name = make(tmp_path)
    spec = write_spec(f"inputs: {{x: {{file: {name}}}}}\noutputs: {{f: x}}\n")
    assert_refused(run("jacobian", spec), 2, "inputs.x", name, words)


def test_damaged_npz_input(write_spec, tmp_path):
    (tmp_path / "u.npz").write_bytes(b"PK\x03\x04 this is not a zip file at all" * 4)
    spec = write_spec("inputs: {x: {file: u.npz}}\noutputs: {f: x}\n")
    assert_refused(run("jacobian", spec), 2, "inputs.x", "'u.npz'", "damaged")


@pytest.mark.parametrize("name", ["u.npz", "u.npy"])
def test_pickles_are_never_loaded(write_spec, tmp_path, name):
    marker = tmp_path / "pwned"
    value = np.array([{"a": 1}, None], dtype=object)
    if name.endswith(".npz"):
        np.savez(tmp_path / name, u=value)
    else:
        np.save(tmp_path / name, value, allow_pickle=True)
    spec = write_spec(f"inputs: {{x: {{file: {name}}}}}\noutputs: {{f: x}}\n")
    assert_refused(run("jacobian", spec), 2, "inputs.x", name, "never loads pickles")
    assert not marker.exists()


@pytest.mark.slow
def test_closed_stdin(configs):
    result = run_closed(["jacobian", configs / "seed.yaml", "--input", "x1=-"], 0)
    assert_refused(result, 2, "--input x1=-", "standard input is closed")


@pytest.mark.slow
def test_closed_stdout(configs, tmp_path):
    for args in (["-o", "-"], []):
        result = run_closed(["jacobian", configs / "seed.yaml", *args], 1)
        assert_refused(result, 1, "standard output is closed", "-o J.npy")


def test_inputs_under_refuses_files_outside(tmp_path):
    inside, outside = tmp_path / "specs", tmp_path / "elsewhere"
    inside.mkdir(), outside.mkdir()
    np.save(outside / "secret.npy", np.ones(2))
    np.save(inside / "ok.npy", np.ones(2))
    (inside / "link.npy").symlink_to(outside / "secret.npy")
    for name in ("../elsewhere/secret.npy", str(outside / "secret.npy"), "link.npy"):
        spec = inside / "s.yaml"
        spec.write_text(f"inputs: {{x: {{file: '{name}'}}}}\noutputs: {{f: x}}\n")
        assert run("jacobian", spec).exit_code == 0        # a spec the user wrote: fine
        result = run("jacobian", spec, "--inputs-under", inside)
        assert_refused(result, 2, "inputs.x", "lies outside", "--inputs-under")
    spec.write_text("inputs: {x: {file: ok.npy}}\noutputs: {f: x}\n")
    assert run("jacobian", spec, "--inputs-under", inside).exit_code == 0


# ----------------------------------------------------------------- 6. module specs -------
MODULE = """
import sys
import numpy as np

def noisy(x):
    print("hello from f")
    return np.sin(x)

def quits(x):
    sys.exit(5)

def loops(x):
    while True:
        x = x + 0
        try:
            x = x + 0
        except Exception:
            pass

def spins(x):
    # NOTE: CPython 3.10 never runs a signal handler in this loop (no check for pending
    # signals on a backward jump to a try:); --timeout must stop it all the same (the
    # backstop in running._deadline)
    while True:
        try:
            x = x + 0
        except Exception:
            pass
"""


@pytest.fixture
def module(tmp_path):
    (tmp_path / "m.py").write_text(MODULE)
    return tmp_path / "m.py"


def test_prints_of_the_function_go_to_stderr(module):
    result = run("jacobian", f"{module}:noisy", "-i", "x=[1, 2]", "-o", "-")
    assert result.exit_code == 0, result.output
    J = np.load(io.BytesIO(result.stdout_bytes))
    np.testing.assert_allclose(J, np.diag(np.cos([1.0, 2.0])))
    assert "hello from f" in result.stderr


def test_sys_exit_in_the_function_is_reported(module, tmp_path, old_target):
    target = old_target()
    result = run("jacobian", f"{module}:quits", "-i", "x=1", "-o", target)
    assert_refused(result, 1, "quits() called sys.exit(5)")
    assert target.read_bytes() == OLD
    assert_only(tmp_path, "m.py", "J.npy")


def test_sys_exit_while_importing_is_reported(tmp_path):
    (tmp_path / "bye.py").write_text("import sys\nsys.exit(3)\n")
    result = run("jacobian", f"{tmp_path / 'bye.py'}:f", "-i", "x=1")
    assert_refused(result, 2, "called sys.exit(3)")


def test_timeout_stops_an_endless_function(module, tmp_path, old_target):
    target = old_target()
    began = time.monotonic()
    result = run("jacobian", f"{module}:loops", "-i", "x=1", "-o", target, "--timeout", "0.5")
    assert time.monotonic() - began < 10
    assert_refused(result, 1, "stopped after 0.5 s (--timeout)", "nothing was written")
    assert target.read_bytes() == OLD
    assert_only(tmp_path, "m.py", "J.npy")


@pytest.mark.slow
def test_timeout_stops_a_loop_no_signal_handler_can_enter(module, tmp_path):
    target = tmp_path / "J.npy"
    target.write_bytes(OLD)
    began = time.monotonic()
    p = start(["jacobian", f"{module}:spins", "-i", "x=1", "-o", target, "--timeout", "0.5"])
    _, err = p.communicate(timeout=30)
    assert time.monotonic() - began < 15
    assert p.returncode == 1
    if sys.version_info >= (3, 11):
        assert "stopped after 0.5 s (--timeout)" in err.decode()
    else:                                       # the backstop: where the function was stuck
        assert "Timeout" in err.decode() and "in spins" in err.decode()
    assert target.read_bytes() == OLD
    assert_only(tmp_path, "m.py", "J.npy")


def test_timeout_must_be_positive(configs):
    assert run("jacobian", configs / "seed.yaml", "--timeout", "0").exit_code == 2
