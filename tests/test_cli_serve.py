"""`jaccli serve SPEC`: .npy frames in, Jacobian frames out, in a real process with real
pipes; error frames for bad points, exit 0 at end of input, exit 1 on a broken stream."""
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from jaccli.cli.serve import BrokenStream, read_frame
from test_cli_subprocess import jaccli_command


def seed_J(x1, x2):
    return np.array([[1 / x1 + x2, x1 - np.cos(x2)]])


def frames(*arrays):
    buffer = io.BytesIO()
    for a in arrays:
        np.save(buffer, np.asarray(a))
    return buffer.getvalue()


def read_all(data):
    stream, out = io.BytesIO(data), []
    while True:
        frame = read_frame(stream)
        if frame is None:
            return out
        out.append(frame)


def serve(spec, data, *options):
    return subprocess.run(jaccli_command() + ["serve", str(spec), *options], input=data,
                          capture_output=True, timeout=120)


def test_one_jacobian_frame_per_point(configs):
    points = [(2.0, 5.0), (3.0, 1.0), (0.5, -2.0)]
    result = serve(configs / "seed.yaml", frames(*points))
    assert result.returncode == 0, result.stderr
    out = read_all(result.stdout)
    assert len(out) == 3
    for J, p in zip(out, points):
        assert J.dtype == np.float64 and J.shape == (1, 2)
        np.testing.assert_allclose(J, seed_J(*p), rtol=1e-12)


def test_answers_stream_while_the_input_is_open(configs):
    """A point is answered before the next is sent: a real pipe, read frame by frame."""
    proc = subprocess.Popen(jaccli_command() + ["serve", str(configs / "seed.yaml")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        for p in [(2.0, 5.0), (4.0, 2.0), (2.0, 5.0)]:
            proc.stdin.write(frames(p))
            proc.stdin.flush()
            J = read_frame(proc.stdout)
            np.testing.assert_allclose(J, seed_J(*p), rtol=1e-12)
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
        assert proc.stdout.read() == b""
    finally:
        proc.kill()
        proc.wait()
        for s in (proc.stdout, proc.stderr):
            s.close()


def test_bad_points_get_error_frames_and_the_stream_goes_on(configs):
    data = frames([2.0, 5.0], [1.0, 2.0, 3.0], [-1.0, 2.0], np.array([1, 2]), [3.0, 1.0],
                  [np.nan, 1.0])
    result = serve(configs / "seed.yaml", data)
    assert result.returncode == 0
    out = read_all(result.stdout)
    kinds = [f.dtype.kind for f in out]
    assert kinds == ["f", "u", "u", "f", "f", "u"]
    np.testing.assert_allclose(out[3], seed_J(1.0, 2.0))       # an int vector is cast
    np.testing.assert_allclose(out[4], seed_J(3.0, 1.0))
    texts = [f.tobytes().decode() for f in out if f.dtype == np.uint8]
    assert all(t.startswith("error: point ") for t in texts)
    assert "expected a vector of 2 values" in texts[0]
    assert "NaN or inf" in texts[1]
    lines = [json.loads(line) for line in result.stderr.decode().splitlines()
             if line.startswith("{")]
    assert [d["frame"] for d in lines] == [1, 2, 5]
    assert lines[0]["error"] == texts[0]


def test_a_broken_stream_ends_with_an_error_frame_and_exit_1(configs):
    result = serve(configs / "seed.yaml", frames([2.0, 5.0]) + b"not npy at all")
    assert result.returncode == 1
    out = read_all(result.stdout)
    assert out[0].dtype == np.float64
    assert out[1].dtype == np.uint8 and b"not a .npy frame" in out[1].tobytes()
    cut = frames([2.0, 5.0])
    result = serve(configs / "seed.yaml", cut + cut[:-3])
    assert result.returncode == 1
    assert b"ended inside" in read_all(result.stdout)[1].tobytes()


def test_empty_input_exits_0(configs):
    result = serve(configs / "seed.yaml", b"")
    assert result.returncode == 0 and result.stdout == b""


def test_many_inputs_and_one_input_of_its_own_shape(write_spec):
    spec = write_spec("""
        inputs:
          x: [1.0, 2.0]
          A: [[1.0, 0.0], [0.0, 2.0]]
        outputs:
          y: A @ x
          s: sum(x * x)
        """)
    x, A = np.array([3.0, -1.0]), np.array([[2.0, 1.0], [0.0, 1.0]])
    result = serve(spec, frames(np.concatenate([x, A.ravel()])))
    assert result.returncode == 0, result.stderr
    (J,) = read_all(result.stdout)
    assert J.shape == (3, 6)
    np.testing.assert_allclose(J[:2, :2], A)
    np.testing.assert_allclose(J[2, :2], 2 * x)
    one = write_spec("inputs:\n  M: [[1.0, 2.0], [3.0, 4.0]]\noutputs:\n  t: sum(M * M)\n",
                     name="one.yaml")
    result = serve(one, frames(np.array([[1.0, 2.0], [0.0, 1.0]])))
    (J,) = read_all(result.stdout)
    np.testing.assert_allclose(J, [[2.0, 4.0, 0.0, 2.0]])


def test_read_frame_reads_exactly_one_frame():
    data = frames([1.0], np.arange(6.0).reshape(2, 3), np.asfortranarray(np.eye(2)))
    out = read_all(data)
    assert [f.shape for f in out] == [(1,), (2, 3), (2, 2)]
    np.testing.assert_array_equal(out[2], np.eye(2))
    with pytest.raises(BrokenStream):
        read_all(b"\x93NUMPY\x01\x00\x04\x00abcd")
