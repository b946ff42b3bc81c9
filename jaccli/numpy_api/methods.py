"""Array methods of traced arrays that are not defined next to their NumPy function."""
import numpy as np

from ..dispatch import method
from ..primitives.complex import promote_p
from ..primitives.elementwise import astype_p, convert_p
from ..tracer import bind


@method("astype")
def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    dtype = np.dtype(dtype)
    if dtype == self.dtype:
        return np.copy(self, order=order) if copy else self      # astype keeps order 'K'
    if order not in ("K", "A") and self.ndim > 1:       # the primitives convert in order 'K'
        return np.copy(astype(self, dtype), order=order)
    if dtype.kind == "f" and self.dtype.kind == "f" or dtype.kind == self.dtype.kind == "c":
        return bind(convert_p, self, dtype=dtype)
    if dtype.kind == "c" and self.dtype.kind == "f":
        return bind(promote_p, self, dtype=dtype)          # real -> complex (VJP: .real)
    return bind(astype_p, self, dtype=dtype)


@method("fill")
def fill(self, value):
    self[...] = value
