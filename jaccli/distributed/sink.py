"""Where the blocks of J go on the client: an array, or a new .npy written by position."""
import math
import os

import numpy as np

from .tasks import pwrite_all, sees


class Sink:
    """Where blocks of rows go: an array in memory, or a new .npy file written by position
    (never mapped here, so its pages do not count in this process's memory). ``fortran``:
    a block is rows of J^T (forward seeds), stored as a Fortran-order (M, N)."""

    def __init__(self, shape, dtype, path=None, fortran=False):
        self.shape, self.dtype, self.path, self.fortran = shape, np.dtype(dtype), path, fortran
        self.fd = None
        if path is not None:
            from numpy.lib.format import open_memmap
            J = open_memmap(path, mode="w+", dtype=self.dtype, shape=shape,
                            fortran_order=fortran)
            self.offset = J.offset
            del J
        else:
            self.J = np.empty(shape[::-1] if fortran else shape, self.dtype)
            if fortran:
                self.J = self.J.T

    def __enter__(self):
        if self.path is not None:
            self.fd = os.open(self.path, os.O_WRONLY)
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        return False

    def write_rows(self, a, b, block):
        """Rows a:b (of J^T when ``fortran``) = ``block``."""
        if self.path is None:
            (self.J.T if self.fortran else self.J)[a:b] = block
            return
        pwrite_all(self.fd, np.asarray(block, dtype=self.dtype), self.offset + a * self.row)

    @property
    def row(self):
        """Bytes of one row of blocks (one seed's, or one point's)."""
        return self.dtype.itemsize * math.prod(self.shape[1:] if not self.fortran else
                                               self.shape[:1])

    def target_for(self, client):
        """(path, offset, row bytes) when every worker sees the output file as this process
        does (the same machine, or a shared file system): the workers then write their
        blocks into it themselves, and J never crosses the network. Else None.

        NOTE: the test writes a random token over the first data bytes and asks each worker
        to read it back; every task is then rerun over those bytes (the cluster computes
        all of J), so the token never survives."""
        if self.path is None or math.prod(self.shape) * self.dtype.itemsize < 16:
            return None
        token = os.urandom(16)
        os.pwrite(self.fd, token, self.offset)
        try:
            seen = client.run(sees, os.path.abspath(self.path), self.offset, token)
        except Exception:                       # noqa: BLE001 - then the client writes
            return None
        if not seen or not all(seen.values()):
            return None
        return os.path.abspath(self.path), self.offset, self.row

    def result(self):
        if self.path is None:
            return self.J
        return np.load(self.path, mmap_mode="r")
