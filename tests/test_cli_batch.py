"""`jaccli jacobian --batch`: the (B, M, N) stack of Jacobians at every point."""
import io
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import jaccli
from jaccli.cli import main
from tests.test_cli_subprocess import jaccli_command

S, R, B = 10.0, 28.0, 2.6666666666666665


def lorenz(x):
    return np.stack([S * (x[1] - x[0]), x[0] * (R - x[2]) - x[1], x[0] * x[1] - B * x[2]])


def points(n=25):
    return np.random.default_rng(3).standard_normal((n, 3))


def test_batch_writes_one_jacobian_per_point(configs, tmp_path):
    np.save(tmp_path / "p.npy", points())
    out = tmp_path / "J.npy"
    result = CliRunner().invoke(main, ["jacobian", str(configs / "lorenz_rhs.yaml"), "--batch",
                                       "--input", f"state={tmp_path / 'p.npy'}", "-o", str(out)])
    assert result.exit_code == 0, result.output
    J = np.load(out)
    assert J.shape == (25, 3, 3)
    np.testing.assert_allclose(J, [jaccli.jacobian(lorenz, p) for p in points()],
                               rtol=1e-12, atol=1e-12)


def test_batch_through_a_pipe(configs):
    data = io.BytesIO()
    np.save(data, points(7))
    producer = subprocess.run(jaccli_command() + ["jacobian", str(configs / "lorenz_rhs.yaml"),
                                                  "--batch", "--input", "state=-"],
                              input=data.getvalue(), capture_output=True, timeout=60)
    assert producer.returncode == 0, producer.stderr
    reader = subprocess.run([sys.executable, "-c",
                             "import sys, io, numpy as np; "
                             "print(np.load(io.BytesIO(sys.stdin.buffer.read())).shape)"],
                            input=producer.stdout, capture_output=True, timeout=60)
    assert reader.stdout.decode().strip() == "(7, 3, 3)"


def test_batch_needs_one_leading_length(configs):
    result = CliRunner().invoke(main, ["jacobian", str(configs / "seed.yaml"), "--batch",
                                       "--input", "x1=[1, 2]", "--input", "x2=[1, 2, 3]",
                                       "-o", "-"])
    assert result.exit_code == 2
    assert "leading batch axis" in result.output


def test_batch_refuses_csv(configs, tmp_path):
    result = CliRunner().invoke(main, ["jacobian", str(configs / "seed.yaml"), "--batch",
                                       "--input", "x1=[1, 2]", "--input", "x2=[1, 2]",
                                       "-o", str(tmp_path / "J.csv")])
    assert result.exit_code == 2
    assert ".npy only" in result.output
    assert not (tmp_path / "J.csv").exists()


def _branchy_spec(tmp_path):
    (tmp_path / "m.py").write_text(
        "import numpy as np\n"
        "def f(x):\n"
        "    y = np.sin(x) * x[0] if x[0] > 0 else np.exp(x) * x[1]\n"
        "    return np.log(x * x + 1.0) * y\n")
    return f"{tmp_path / 'm.py'}:f"


def _branchy(x):
    y = np.sin(x) * x[0] if x[0] > 0 else np.exp(x) * x[1]
    return np.log(x * x + 1.0) * y


@pytest.mark.parametrize("which", ["one path", "two paths"])
def test_batch_to_a_file_goes_through_the_file_chunk_by_chunk(tmp_path, monkeypatch, configs,
                                                              which):
    """-o J.npy: the stack is written into the (memory-mapped) file a chunk of points at a
    time, on one path and on several (points on two branches); the same J as in memory."""
    monkeypatch.setattr("jaccli.points.POINTS_CHUNK_BYTES", 2048)     # many point chunks
    X = np.random.default_rng(5).standard_normal((301, 3))
    np.save(tmp_path / "p.npy", X)
    if which == "one path":
        spec, name, f = str(configs / "lorenz_rhs.yaml"), "state", lorenz
    else:
        spec, name, f = _branchy_spec(tmp_path), "x", _branchy
    result = CliRunner().invoke(main, ["jacobian", spec, "--batch", "--input",
                                       f"{name}={tmp_path / 'p.npy'}", "-o",
                                       str(tmp_path / "J.npy")])
    assert result.exit_code == 0, result.output
    expected = np.stack([jaccli.jacobian(f, p) for p in X])
    np.testing.assert_allclose(np.load(tmp_path / "J.npy"), expected, rtol=1e-12, atol=1e-12)
    left = {p.name for p in tmp_path.iterdir()} - {"m.py"}
    assert left == {"J.npy", "p.npy"}


def test_batch_with_nan_leaves_no_file(tmp_path):
    (tmp_path / "m.py").write_text("import numpy as np\ndef f(x):\n    return np.sqrt(x)\n")
    X = np.abs(np.random.default_rng(6).standard_normal((50, 2)))
    X[17, 1] = 0.0                                      # d sqrt at 0: inf
    np.save(tmp_path / "p.npy", X)
    result = CliRunner().invoke(main, ["jacobian", f"{tmp_path / 'm.py'}:f", "--batch",
                                       "--input", f"x={tmp_path / 'p.npy'}", "-o",
                                       str(tmp_path / "J.npy")])
    assert result.exit_code == 1 and "point 17" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py", "p.npy"]
