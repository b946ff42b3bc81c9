"""End to end: the installed `jaccli` in a real process, with real pipes and files."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

SEED_J = np.array([[5.5, 2.0 - np.cos(5.0)]])
READER = ("import sys, io, numpy as np; "
          "J = np.load(io.BytesIO(sys.stdin.buffer.read())); print(J.shape, repr(J[0, 0]))")


def jaccli_command():
    found = shutil.which("jaccli")
    return [found] if found else [sys.executable, "-c", "from jaccli.cli import main; main()"]


def run(args, **kwargs):
    return subprocess.run(jaccli_command() + [str(a) for a in args], capture_output=True,
                          timeout=60, **kwargs)


def test_pipe_into_a_python_reader(configs):
    producer = subprocess.Popen(jaccli_command() + ["jacobian", str(configs / "seed.yaml")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader = subprocess.run([sys.executable, "-c", READER], stdin=producer.stdout,
                            capture_output=True, timeout=60, text=True)
    producer.stdout.close()
    assert producer.wait(timeout=60) == 0, producer.stderr.read()
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == "(1, 2) np.float64(5.5)"


def test_output_to_a_file(configs, tmp_path):
    target = tmp_path / "J.npy"
    result = run(["jacobian", configs / "seed.yaml", "-o", target])
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    np.testing.assert_allclose(np.load(target), SEED_J, rtol=1e-12)


def test_input_read_from_stdin(configs, tmp_path):
    import io
    buffer = io.BytesIO()
    np.save(buffer, np.array([2.0, 4.0]))
    result = run(["jacobian", configs / "seed.yaml", "--input", "x1=-", "-o", "-"],
                 input=buffer.getvalue())
    assert result.returncode == 0, result.stderr
    J = np.load(io.BytesIO(result.stdout))
    assert J.shape == (2, 3)
    np.testing.assert_allclose(J[:, :2], np.diag(1 / np.array([2.0, 4.0]) + 5.0))


def test_spec_error_exits_2_without_traceback(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("inputs: {x: 1.0}\noutputs:\n  f: __import__('os').getcwd()\n")
    result = run(["jacobian", spec])
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr and result.stdout == b""


def test_light_imports(configs, tmp_path):
    """No CuPy on the CPU path; no rich when nothing is shown; no yaml for module specs."""
    code = (
        "import sys; from jaccli.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('cupy', 'rich', 'yaml') if m in sys.modules))")
    env = dict(os.environ)
    ref = f"{configs / 'models' / 'lorenz.py'}:rhs"
    for args, expected in [
            (["jacobian", str(configs / "seed.yaml"), "-o", str(tmp_path / "a.npy")],
             "['rich', 'yaml']"),
            (["jacobian", str(configs / "seed.yaml"), "-o", "-"], "['yaml']"),
            (["jacobian", ref, "-i", "state=[1,2,3]", "-i", "sigma=1", "-i", "rho=2",
              "-i", "beta=3", "-o", "-"], "[]")]:
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                                timeout=60, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.rstrip().endswith(expected.encode()), result.stdout[-200:]
