"""A strict CuPy stand-in for machines without a GPU (DESIGN.md 6.5): NumPy underneath, refusing
what CuPy 14 refuses, so the GPU test table runs on every CI run.

What it enforces, as CuPy 14 does (cupy/_core/core.pyx, _kernel.pyx, linalg/_util.py):
- no implicit host conversion: ``__array__`` raises TypeError ("Implicit conversion to a NumPy
  array is not allowed"), so np.asarray / np.array / np.ascontiguousarray / writing into a
  NumPy array or np.memmap fail on a device array;
- a host ndarray among the operands of a ufunc raises TypeError("Unsupported type ...")
  (Python and NumPy scalars are fine; 0-d host arrays are allowed in comparisons only); among
  the operands of a NumPy function it raises too (cupy.linalg: LinAlgError) -- stricter than
  CuPy for the few functions that upload their operands themselves; host integer arrays after
  the first argument pass (split points, take indices: CuPy reads or uploads those);
- only the names CuPy 14 has (tests/cupy_names.txt, from scripts/cupy_names.py), called with the
  parameters CuPy's signature takes; other NumPy functions find no implementation (TypeError);
- reductions give 0-d arrays, ``x[int]`` is a 0-d *view*; cupy.linalg raises no LinAlgError
  (cholesky of a non-PD matrix, inv/solve of a singular one: NaN);
- ``.get()`` / cupy.asnumpy are counted as device-to-host transfers and ``bool/int/float/
  complex()``, ``.item()``, ``.tolist()`` as syncs, each with its call site (``TRANSFERS``,
  ``SYNCS``).  Host-to-device (cupy.asarray/array of a host array, host arrays in an index,
  an assigned value or cupyx.scatter_add) is allowed, as in CuPy, and counted (``UPLOADS``).
``install()`` returns the modules to put in sys.modules as cupy, cupy.linalg, ..., cupyx (with
cupyx.scipy.special: scipy.special's functions under the names CuPy 14 has).
"""
import inspect
import sys
import types
from pathlib import Path

import numpy as np

__version__ = "14.2.0 (strict stand-in)"
TRANSFERS = []          # (kind, call site) for each device-to-host copy
SYNCS = []              # (kind, call site) for each value read on the host
UPLOADS = []            # (kind, call site) for each host-to-device copy of a host array

_SIGS = {}
for _line in (Path(__file__).with_name("cupy_names.txt")).read_text().splitlines():
    if _line and not _line.startswith("#"):
        _name, _sig = _line.split(" ", 1)
        _SIGS[_name] = _sig
METHODS = {n.rsplit(".", 1)[1] for n in _SIGS if n.startswith("cupy.ndarray.")}
_LOCAL = {"get", "item", "tolist", "set", "copy", "astype", "scatter_add", "T", "mT", "shape",
          "ndim", "size", "dtype", "strides", "nbytes", "itemsize", "flags", "real", "imag",
          "base", "data", "device", "__array_function__", "__array_ufunc__", "flat"}


def reset():
    TRANSFERS.clear()
    SYNCS.clear()
    UPLOADS.clear()


def _count_uploads(kind, *objs):
    """Log a host-to-device copy for each host ndarray among ``objs`` (lists, tuples looked
    into): what CuPy uploads when it is handed one."""
    for _ in _host_arrays(list(objs)):
        UPLOADS.append((kind, _site()))


def _site():
    """file:line of the first caller outside this file."""
    frame = sys._getframe(2)
    while frame and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno} {frame.f_code.co_name}"


def _bound(name):
    """An inspect.Signature for CuPy's ``name``, or None where CuPy shows none."""
    text = _SIGS.get(name, "(...)")
    if not text.startswith("(") or text == "(...)":
        return None
    try:
        return inspect.signature(eval(f"lambda {text[1:-1]}: None", vars(np)))  # noqa: S307
    except Exception:                    # noqa: BLE001 - defaults we cannot rebuild
        return None


def _unsupported(x):
    return TypeError(f"Unsupported type {type(x)}")


def _host_arrays(obj, depth=0):
    """Host ndarrays among ``obj`` (nested lists/tuples looked into, as CuPy converts them)."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, (list, tuple)) and depth < 3:
        return [h for o in obj for h in _host_arrays(o, depth + 1)]
    return []


def _host_operands(args, kwargs):
    """Host ndarrays in operand position: any float/complex one (data), and an integer or bool
    one as the first argument; host integer arrays elsewhere are index-like (split points,
    shapes, take indices), which CuPy functions read on the host or upload."""
    first = _host_arrays(args[0]) if args else []
    rest = _host_arrays(list(args[1:]) + list(kwargs.values()))
    return first + [h for h in rest if h.dtype.kind in "fc"]


def _unwrap(obj):
    if isinstance(obj, ndarray):
        return obj._a
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap(o) for o in obj) if not hasattr(obj, "_fields") else obj
    if isinstance(obj, dict):
        return {k: _unwrap(v) for k, v in obj.items()}
    return obj


def _wrap(obj):
    if isinstance(obj, (np.ndarray, np.generic)) and not isinstance(obj, np.memmap):
        return ndarray(np.asarray(obj)) if isinstance(obj, np.generic) else ndarray(obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):      # eigh, slogdet, svd ...
        return type(obj)(*(_wrap(o) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_wrap(o) for o in obj)
    return obj


def _nan_like_result(name, args):
    """What cupy.linalg returns where NumPy raises LinAlgError: NaN of the result's shape."""
    a = _unwrap(args[-1] if name == "solve" else args[0])
    return ndarray(np.full(np.shape(a), np.nan))


def _call(qualname, np_func, args, kwargs, linalg=False):
    """Call NumPy's ``np_func`` as CuPy's ``qualname``: check names and host operands."""
    if qualname not in _SIGS:
        raise AttributeError(f"module 'cupy' has no attribute {qualname[5:]!r} (CuPy 14)")
    sig = _bound(qualname)
    if sig is not None:
        sig.bind(*args, **kwargs)         # TypeError for a parameter CuPy does not take
    if qualname not in ("cupy.asarray", "cupy.array", "cupy.asanyarray",
                        "cupy.ascontiguousarray", "cupy.asnumpy"):
        for h in _host_operands(args, kwargs):
            if linalg:
                raise np.linalg.LinAlgError("cupy.linalg only supports cupy.ndarray")
            raise _unsupported(h)
    try:
        return _wrap(np_func(*_unwrap(args), **_unwrap(kwargs)))
    except np.linalg.LinAlgError:
        if linalg and qualname.rsplit(".", 1)[1] in ("cholesky", "inv", "solve"):
            return _nan_like_result(qualname.rsplit(".", 1)[1], args)
        raise


class ndarray:
    """A device array: a NumPy array that refuses to leave the device implicitly."""
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, a):
        self._a = a

    # ---- no implicit host conversion; explicit, counted transfers and syncs
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def get(self, stream=None, order="C", out=None, blocking=True):
        TRANSFERS.append(("get", _site()))
        return self._a.copy(order=order)

    def _sync(self, kind):
        SYNCS.append((kind, _site()))
        return self._a

    def __bool__(self):
        return bool(self._sync("bool"))

    def __float__(self):
        return float(self._sync("float"))

    def __int__(self):
        return int(self._sync("int"))

    def __complex__(self):
        return complex(self._sync("complex"))

    def item(self):
        return self._sync("item").item()

    def tolist(self):
        return self._sync("tolist").tolist()

    @property
    def __cuda_array_interface__(self):
        return {"shape": self._a.shape, "typestr": self._a.dtype.str, "version": 3,
                "data": (self._a.__array_interface__["data"][0], False), "strides": None}

    # ---- NEP 13 / 18, as cupy._core.core does
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # scipy.special's ufuncs: cupyx.scipy.special's (what the stand-in's cupyx hands out)
        if f"cupy.{ufunc.__name__}" not in _SIGS and not (
                f"cupyx.scipy.special.{ufunc.__name__}" in _SIGS and method == "__call__") \
                or method not in (
                "__call__", "outer", "at", "reduce", "accumulate", "reduceat"):
            return NotImplemented
        out = kwargs.get("out")
        out = out if isinstance(out, tuple) else (() if out is None else (out,))
        for x in inputs + out:
            if not isinstance(x, (ndarray, np.ndarray, int, float, bool, complex, np.generic)):
                return NotImplemented
        if ufunc.__name__ in ("greater", "greater_equal", "less", "less_equal", "equal",
                              "not_equal"):
            inputs = tuple(x.item() if isinstance(x, np.ndarray) and x.ndim == 0 else x
                           for x in inputs)
        for x in inputs + out:
            if isinstance(x, np.ndarray):
                raise _unsupported(x)
        if out:
            kwargs["out"] = tuple(o._a for o in out)
        result = getattr(ufunc, method)(*_unwrap(inputs), **kwargs)
        if method == "at":
            return None
        if out:
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        mod = func.__module__ or "numpy"
        if not mod.startswith("numpy"):
            return NotImplemented
        qualname = "cupy" + mod[5:] + "." + func.__name__
        if qualname not in _SIGS:
            return NotImplemented         # NumPy: "no implementation found for ..."
        return _call(qualname, func, args, kwargs, linalg=mod == "numpy.linalg")

    # ---- attributes and methods CuPy's ndarray has
    shape = property(lambda s: s._a.shape)
    ndim = property(lambda s: s._a.ndim)
    size = property(lambda s: s._a.size)
    dtype = property(lambda s: s._a.dtype)
    strides = property(lambda s: s._a.strides)
    nbytes = property(lambda s: s._a.nbytes)
    itemsize = property(lambda s: s._a.itemsize)
    flags = property(lambda s: s._a.flags)
    T = property(lambda s: ndarray(s._a.T))
    mT = property(lambda s: ndarray(np.swapaxes(s._a, -1, -2)))
    real = property(lambda s: ndarray(s._a.real))
    imag = property(lambda s: ndarray(s._a.imag))
    base = property(lambda s: None if s._a.base is None else ndarray(s._a.base))

    def copy(self, order="C"):
        return ndarray(self._a.copy(order=order))

    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        return ndarray(self._a.astype(dtype, order=order, copy=copy))

    def set(self, arr, stream=None):
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"Only numpy.ndarray can be set to cupy.ndarray: {type(arr)}")
        self._a[...] = arr

    def scatter_add(self, slices, value):
        scatter_add(self, slices, value)

    def __getattr__(self, name):
        if name.startswith("_") or name not in METHODS:
            raise AttributeError(f"'cupy.ndarray' object has no attribute {name!r}")
        method = getattr(self._a, name)

        def call(*args, **kwargs):
            for h in _host_arrays(list(args) + list(kwargs.values())):
                raise _unsupported(h)
            return _wrap(method(*_unwrap(args), **_unwrap(kwargs)))
        return call

    # ---- indexing: host integers/arrays allowed in keys and values (CuPy uploads them)
    def __getitem__(self, key):
        _count_uploads("index", key)
        k = _unwrap(key)
        out = self._a[k]
        if not isinstance(out, np.ndarray):                  # x[i]: a 0-d view in CuPy
            k = k if isinstance(k, tuple) else (k,)
            out = self._a[k + (Ellipsis,)]
        return ndarray(out)

    def __setitem__(self, key, value):
        _count_uploads("index", key, value)
        self._a[_unwrap(key)] = _unwrap(value)

    def __len__(self):
        if not self._a.ndim:
            raise TypeError("len() of unsized object")
        return len(self._a)

    def __iter__(self):
        if not self._a.ndim:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    def __repr__(self):
        return f"array({self._a!r}, device=strict stand-in)"

    __str__ = __repr__


def _op(ufunc, reflected=False):
    if reflected:
        return lambda self, other: ufunc(other, self)
    return lambda self, other: ufunc(self, other)


def _iop(ufunc):
    return lambda self, other: ufunc(self, other, out=(self,))


for _n, _u in {"add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.true_divide,
               "floordiv": np.floor_divide, "mod": np.remainder, "pow": np.power,
               "matmul": np.matmul, "and": np.bitwise_and, "or": np.bitwise_or,
               "xor": np.bitwise_xor, "lshift": np.left_shift, "rshift": np.right_shift}.items():
    setattr(ndarray, f"__{_n}__", _op(_u))
    setattr(ndarray, f"__r{_n}__", _op(_u, reflected=True))
    setattr(ndarray, f"__i{_n}__", _iop(_u))
for _n, _u in {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
               "eq": np.equal, "ne": np.not_equal}.items():
    setattr(ndarray, f"__{_n}__", _op(_u))
for _n, _u in {"neg": np.negative, "pos": np.positive, "abs": np.absolute,
               "invert": np.invert}.items():
    setattr(ndarray, f"__{_n}__", lambda self, _u=_u: _u(self))
ndarray.__module__ = "cupy"              # what type(a).__module__ checks see: a CuPy array


# ---------------------------------------------------------------- the modules

def asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    if isinstance(a, ndarray):
        TRANSFERS.append(("asnumpy", _site()))
        return a._a.copy(order=order)
    return np.asarray(a, order=order)


def asarray(a, dtype=None, order=None, *, blocking=False):
    _count_uploads("asarray", a)
    return a if isinstance(a, ndarray) and dtype in (None, a.dtype) else \
        ndarray(np.array(_unwrap(a), dtype=dtype, order=order, copy=None))


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    _count_uploads("array", obj)
    return ndarray(np.array(_unwrap(obj), dtype=dtype, copy=copy, order=order, ndmin=ndmin))


def scatter_add(a, slices, value):
    """cupyx.scatter_add: ``a[slices] += value`` with repeated indices accumulating."""
    if not isinstance(a, ndarray):
        raise TypeError(f"Unsupported type {type(a)}")
    _count_uploads("scatter_add", slices, value)
    np.add.at(a._a, _unwrap(slices), _unwrap(value))


_POOL = types.SimpleNamespace(free_bytes=lambda: 0, used_bytes=lambda: 0)


def get_default_memory_pool():
    return _POOL


class _Device:
    def __init__(self, device=0):
        self.id = device

    @property
    def mem_info(self):
        """(free, total) bytes: a 16 GiB device, half free."""
        return (8 << 30, 16 << 30)

    synchronize = staticmethod(lambda: None)


cuda = types.SimpleNamespace(
    runtime=types.SimpleNamespace(getDeviceCount=lambda: 1),
    Device=_Device,
    Stream=types.SimpleNamespace(null=types.SimpleNamespace(synchronize=lambda: None)),
)
_OWN = {"asnumpy": asnumpy, "asarray": asarray, "array": array, "cuda": cuda, "ndarray": ndarray,
        "get_default_memory_pool": get_default_memory_pool, "__version__": __version__}


def _module_getattr(prefix, np_mod):
    def __getattr__(name):
        qualname = f"{prefix}.{name}"
        target = getattr(np_mod, name, None)
        if qualname in _SIGS and isinstance(target, np.ufunc):
            return target                 # dispatches to ndarray.__array_ufunc__
        if qualname not in _SIGS:
            if target is not None and not callable(target) or inspect.isclass(target):
                return target             # constants, dtypes (cupy.float64, cupy.pi, ...)
            raise AttributeError(f"module {prefix!r} has no attribute {name!r} (CuPy 14)")
        if target is None:
            raise AttributeError(f"{qualname}: in CuPy 14 but not in NumPy; not in the stand-in")
        return lambda *args, **kwargs: _call(qualname, target, args, kwargs,
                                             linalg=prefix == "cupy.linalg")
    return __getattr__


def install():
    """{name: module} for sys.modules: cupy (+ .linalg, .fft, .cuda) and cupyx."""
    mods = {}
    cupy = types.ModuleType("cupy", "strict CuPy stand-in (tests/strict_cupy.py)")
    cupy.__dict__.update(_OWN)
    cupy.__getattr__ = _module_getattr("cupy", np)
    mods["cupy"] = cupy
    for sub in ("linalg", "fft"):
        m = types.ModuleType(f"cupy.{sub}")
        m.__getattr__ = _module_getattr(f"cupy.{sub}", getattr(np, sub))
        if sub == "linalg":
            m.LinAlgError = np.linalg.LinAlgError
        setattr(cupy, sub, m)
        mods[f"cupy.{sub}"] = m
    mods["cupy.cuda"] = cuda
    cupyx = types.ModuleType("cupyx", "strict cupyx stand-in")
    cupyx.scatter_add = scatter_add
    mods["cupyx"] = cupyx
    import scipy.special
    cupyx.scipy = types.ModuleType("cupyx.scipy")
    cupyx.scipy.special = types.ModuleType("cupyx.scipy.special")
    cupyx.scipy.special.__getattr__ = _module_getattr("cupyx.scipy.special", scipy.special)
    mods["cupyx.scipy"], mods["cupyx.scipy.special"] = cupyx.scipy, cupyx.scipy.special
    return mods
