"""``jaccli serve SPEC``: Jacobians for a stream of points, traced once (``jaccli.jacfun``).

The protocol, for pipelines in any language that can write and read .npy:

- stdin: one .npy frame per point, back to back: a float vector of N values, the point's
  inputs flattened in C order one after the other in the spec's input order (the Jacobian's
  column layout). A frame of one input's shape is accepted when the spec has one input.
- stdout: one .npy frame per point, in order: the flat (M, N) float64 Jacobian; or an
  *error frame*: a 1-D uint8 array, the UTF-8 text of the error ("error: ..."). A reader
  tells them apart by the dtype in the header ('<f8' or '|u1'). The same message goes to
  stderr as one JSON line {"frame": i, "error": text}. A bad point (wrong size, a value
  outside the function's domain, a failed computation) gets an error frame and the next
  point is read.
- End of input between frames: exit 0. A stream that is not .npy frames (a bad header, a
  frame cut short) gets one error frame and exit 1, since the next frame cannot be found.
"""
import ast
import io
import json
import sys

import click
import numpy as np
from numpy.lib import format as npy

from jaccli.cli import running
from jaccli.cli.options import engine_options, spec_options


class BrokenStream(Exception):
    """The input is not a sequence of .npy frames: the next frame cannot be found."""


def read_frame(stream):
    """The next .npy array on ``stream``, or None at end of input (between frames). Reads
    exactly the frame's bytes, so a pipe is never read ahead."""
    first = stream.read(1)
    if not first:
        return None
    if first != npy.MAGIC_PREFIX[:1]:
        raise BrokenStream("the input is not a .npy frame (bad magic bytes)")
    magic = first + _read_exactly(stream, npy.MAGIC_LEN - 1)
    if magic[:-2] != npy.MAGIC_PREFIX:
        raise BrokenStream("the input is not a .npy frame (bad magic bytes)")
    version = (magic[-2], magic[-1])
    head = _read_exactly(stream, 2 if version[0] == 1 else 4)
    length = int.from_bytes(head, "little")
    header = _read_exactly(stream, length).decode("latin1")
    try:
        d = ast.literal_eval(header)
        dtype = npy.descr_to_dtype(d["descr"])
        shape, fortran = tuple(d["shape"]), bool(d["fortran_order"])
    except Exception:
        raise BrokenStream(f"a .npy frame has an unreadable header: {header.strip()!r}") \
            from None
    if dtype.hasobject:
        raise BrokenStream("a .npy frame holds Python objects; send numbers")
    count = int(np.prod(shape, dtype=np.int64))
    data = _read_exactly(stream, count * dtype.itemsize)
    a = np.frombuffer(data, dtype=dtype, count=count)
    return a.reshape(shape[::-1]).T if fortran else a.reshape(shape)


def _read_exactly(stream, n):
    chunks, left = [], n
    while left:
        b = stream.read(left)
        if not b:
            raise BrokenStream("the input ended inside a .npy frame")
        chunks.append(b)
        left -= len(b)
    return b"".join(chunks)


def write_frame(stream, array):
    """One whole .npy frame (built in memory: ``tofile`` needs a seekable file, not a pipe),
    flushed so that the reader gets it at once."""
    buffer = io.BytesIO()
    npy.write_array(buffer, np.asarray(array), allow_pickle=False)
    stream.write(buffer.getvalue())
    stream.flush()


def error_frame(stream, index, text):
    """An error frame on ``stream`` and a JSON line on stderr."""
    text = f"error: {text}"
    write_frame(stream, np.frombuffer(text.encode("utf-8"), dtype=np.uint8))
    sys.stderr.write(json.dumps({"frame": index, "error": text}) + "\n")
    sys.stderr.flush()


def split_point(frame, spec):
    """The point's inputs from one frame (see the module docstring); ValueError if it does
    not fit."""
    shapes = spec.in_shapes
    sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
    N = sum(sizes)
    if frame.dtype.kind not in "iuf":
        raise ValueError(f"a frame of dtype {frame.dtype}; send float64 numbers")
    if len(shapes) == 1 and frame.shape == tuple(shapes[0]):
        return [frame.astype(np.float64)]
    if frame.ndim != 1 or frame.size != N:
        raise ValueError(f"a frame of shape {frame.shape}; expected a vector of {N} values "
                         f"(inputs {', '.join(spec.input_names)}, flattened, in order)")
    flat = frame.astype(np.float64)
    out, start = [], 0
    for shape, size in zip(shapes, sizes):
        out.append(flat[start:start + size].reshape(shape))
        start += size
    return out


@click.command()
@spec_options
@engine_options
@running.reporting_errors
def serve(spec, inputs, inputs_under, mode, chunk_size, memory_limit):
    """Answer a stream of points with their Jacobians: .npy frames in, .npy frames out.

    Reads points from stdin, one .npy frame each: a float vector of N values (every input of
    SPEC flattened in C order, in the spec's order). Writes one .npy frame per point to
    stdout: the flat (M, N) float64 Jacobian, or an error frame (a 1-D uint8 array holding
    the UTF-8 text "error: ..."; also a JSON line on stderr) for a bad point, then goes on.
    The function is traced once; later points reuse the graph. Exit 0 at end of input.

    \b
    Example (Python as the other end):
      python -c "import sys, numpy as np
      for p in ([2.0, 5.0], [3.0, 1.0]): np.save(sys.stdout.buffer, np.array(p))" |
      jaccli serve configs/seed.yaml > J.frames
    """
    from jaccli.errors import JaccliError
    from jaccli.jacfun import jacfun
    spec_obj = running.load(spec, inputs, memory_limit=memory_limit, inputs_under=inputs_under)
    jac = jacfun(spec_obj.function, argnums=spec_obj.argnums, mode=mode,
                 chunk_size=chunk_size, memory_limit=memory_limit)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    index = 0
    while True:
        try:
            frame = read_frame(stdin)
        except BrokenStream as e:
            error_frame(stdout, index, str(e))
            raise SystemExit(1)
        if frame is None:
            return
        try:
            point = split_point(frame, spec_obj)
            if not all(np.all(np.isfinite(x)) for x in point):
                raise ValueError("the point has NaN or inf values")
            outputs = spec_obj.evaluate(point)
            if not all(np.all(np.isfinite(y)) for y in outputs):
                raise ValueError("the function is NaN or inf at this point (outside its "
                                 "domain?)")
            J = np.asarray(jac.flat(*point), dtype=np.float64)
        except (ValueError, ArithmeticError, JaccliError) as e:
            error_frame(stdout, index, f"point {index}: {e}")
        except Exception as e:            # a failure in the user's function: say it, go on
            error_frame(stdout, index, f"point {index}: {type(e).__name__}: {e}")
        else:
            write_frame(stdout, J)
        index += 1
