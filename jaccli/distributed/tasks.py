"""What the workers run: a run of seed chunks or of point chunks through the one unit of
work, each block written into the output file by the worker when it sees that file."""
import os

import numpy as np

from ..sweeps import Seeds, sweep_chunk


def sweep_task(graph, mode, seeds, chunk_size, wrt=None):
    """The (K, width) block of ``seeds`` (any ``Seeds``: identity rows, colour groups), in
    sweeps of ``chunk_size`` seeds, as ``sweeps.run_sweeps`` runs them."""
    out = None
    with np.errstate(all="ignore"):
        for a in range(0, seeds.count, chunk_size):
            b = min(a + chunk_size, seeds.count)
            part = sweep_chunk(graph, graph.values, mode, seed_rows(seeds, a, b), (), wrt)
            if out is None:
                out = np.empty((seeds.count,) + part.shape[1:], part.dtype)
            out[a:b] = part
    return out


def seed_rows(seeds, a, b):
    """Rows a:b of ``seeds``."""
    if seeds.matrix is None:
        return Seeds.identity(seeds.start + a, seeds.start + b, seeds.dtype)
    return Seeds.rows(seeds.matrix[a:b], seeds.dtype)


def points_task(graph, inputs, wrt, shape, step, rows=None):
    """The (P, M, N) Jacobians at P points (``inputs``: the traced inputs' point chunks, or
    ``FileRows`` to read rows ``rows`` = (a, b) of from a file this worker sees), as
    ``points.sweep_points`` computes them in point chunks of ``step``. ``shape``: the
    plan's (mode, chunk_size, M, N)."""
    from types import SimpleNamespace

    from ..points import sweep_points
    inputs = [x.read(*rows) if isinstance(x, FileRows) else x for x in inputs]
    mode, chunk_size, M, N = shape
    plan = SimpleNamespace(mode=mode, chunk_size=chunk_size, M=M, N=N)
    with np.errstate(all="ignore"):
        return np.ascontiguousarray(sweep_points(graph, inputs, wrt, plan, None, step=step))

def malloc_as_serial():
    """On a worker: let glibc keep freed arrays for reuse, as a plain Python process does.

    NOTE: Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also fixes
    glibc's mmap threshold at 128 KiB: every larger temporary of a sweep is then a fresh
    mmap, page-faulted in and handed back each time (see the planner's NOTE on cache-sized
    chunks). The same point task ran 3.5x slower on a worker than here (0.41 s vs 1.47 s,
    377,478 Lorenz points). Fixed thresholds of 64 MiB give the serial behaviour back."""
    import ctypes
    import ctypes.util
    name = ctypes.util.find_library("c")
    if not name:
        return False
    libc = ctypes.CDLL(name)
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(libc.mallopt(M_MMAP_THRESHOLD, 64 << 20)) and \
        bool(libc.mallopt(M_TRIM_THRESHOLD, 128 << 20))


def written(target, a, task, *args):
    """``task(*args)``, its block written by this worker into the output file when
    ``target`` = (path, offset, row_bytes) is given (then only the row count comes back)."""
    block = task(*args)
    if target is None:
        return block
    path, offset, row = target
    fd = os.open(path, os.O_WRONLY)
    try:
        pwrite_all(fd, block, offset + a * row)
    finally:
        os.close(fd)
    return block.shape[0]


def pwrite_all(fd, block, at):
    data = memoryview(np.ascontiguousarray(block)).cast("B")
    while data:
        n = os.pwrite(fd, data, at)
        data, at = data[n:], at + n


class FileRows:
    """Rows of a C-ordered array in a .npy file (the whole array, as np.load maps it): what a
    point task is given instead of its chunk of points when every worker sees the file, so
    that the points never travel through the scheduler."""

    def __init__(self, path, offset, dtype, shape):
        self.path, self.offset, self.dtype, self.shape = path, offset, dtype, tuple(shape)

    @classmethod
    def of(cls, x):
        """The FileRows of ``x`` when it is an array np.load mapped from a file, or a plain
        ndarray of all of it (np.asarray of one); else None."""
        import mmap
        base = getattr(x, "base", None)
        if not isinstance(x, np.memmap) and isinstance(base, np.memmap) and \
                base.shape == x.shape and base.dtype == x.dtype and \
                base.__array_interface__["data"][0] == x.__array_interface__["data"][0]:
            x = base
        if not isinstance(x, np.memmap) or not isinstance(x.base, mmap.mmap) or \
                not x.flags.c_contiguous or not getattr(x, "filename", None):
            return None
        return cls(os.path.abspath(x.filename), int(x.offset), x.dtype.str, x.shape)

    def read(self, a, b):
        m = np.memmap(self.path, dtype=np.dtype(self.dtype), mode="r", offset=self.offset,
                      shape=self.shape)
        return np.array(m[a:b])

    def signature(self):
        """(size, mtime, the first 64 KiB's digest): the same file, as this process sees it."""
        import hashlib
        try:
            info = os.stat(self.path)
            with open(self.path, "rb") as f:
                head = hashlib.sha1(f.read(1 << 16)).hexdigest()
        except OSError:
            return None
        return info.st_size, info.st_mtime_ns, head


def sees_rows(source, signature):
    """On a worker: whether ``source`` (FileRows) is the client's file."""
    return signature is not None and source.signature() == signature


def sees(path, offset, token):
    """On a worker: whether ``path`` is the client's file (it holds ``token`` at ``offset``)."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read(len(token)) == token
    except OSError:
        return False
