"""Tracing plain NumPy: a ``Tracer`` stands in for an array, computes its concrete value
eagerly and records each NumPy call on it as an equation of the graph being built.

NOTE: concrete values. Every tracer carries its value at the evaluation point, so Python
``if``/``for`` on traced values work; each time control flow reads a traced value
(``bool(x > 0)``, a traced index) the graph is marked valid only at this point.

NOTE: mutation. NumPy code assigns into arrays (``y[1:] = x[:-1]``). ``__setitem__`` records a
functional update and rebinds the tracer to the new value, so every later read sees it, as in
NumPy. A *view* (``v = y[1:]``, when NumPy's result shares memory) remembers how to write back
into the array it views, so ``v[0] = ...`` and ``y[:, 2] += v`` change ``y`` as in NumPy; what
we cannot mirror -- reading a view after its base was changed through another path -- raises
instead of silently diverging.
"""
import math
import operator
import sys

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from .backend import on_gpu, xp_of
from .builder import Builder
from .dispatch import HANDLED_FUNCTIONS, HANDLED_METHODS, HANDLED_UFUNCS, LIKE_FUNCTIONS
from .dispatch import SPECIAL_UFUNCS, TRACE_STARTS, UFUNC_METHODS
from .dispatch import conversion_hint, scipy_special_name
from .errors import InputError, TracingError
from .ir import Eqn, Graph, Var
from .rules import impl_rules, lazy_shapes, primitives

_LAZY = object()       # a Tracer's value not computed yet (see builder.Values)


def _shape(a):
    return getattr(a, "shape", ())


def bind(p, *args, **params):
    """Apply primitive ``p``: evaluate it and, when any argument is traced, record it.

    NOTE: nested traces. Tracing inside a trace (``jacobian`` of a function that calls
    ``jacobian``) gives the inner trace a higher ``level``; here only the Tracers of the
    innermost trace among the arguments are unwrapped and recorded, those of outer traces are
    its constants. Their values are outer Tracers, so evaluating the primitive records it in
    the outer trace in turn: each trace sees its own tangents only (no perturbation
    confusion)."""
    builder, sequences = None, False
    for a in args:                       # one pass: this runs on every traced operation
        if type(a) is Tracer:
            if builder is None or a.builder.level > builder.level:
                builder = a.builder
        elif isinstance(a, (list, tuple)):
            sequences = True
    traced = False
    vals = []
    if sequences:                        # NumPy accepts lists: x @ [1, 2]
        args = [np.asarray(a) if isinstance(a, (list, tuple)) else a for a in args]
    for a in args:
        if type(a) is Tracer and a.builder is builder:
            if a._base is not None:
                a.check_fresh()
            traced = traced or a.node is not None
            vals.append(a.value)
        else:
            vals.append(a)
    if builder is not None and builder.device_put is not None:
        args, vals = builder.put_constants(args, vals, traced)
    if traced:
        for v in vals:                   # inline: this runs on every traced operation
            if type(v) is complex or getattr(getattr(v, "dtype", None), "kind", "") == "c":
                args, vals = _complex_operands(p, args, vals, builder)
                break
    if not traced:
        return Tracer(impl_rules[p](*vals, **params), None, builder) if builder is not None \
            else impl_rules[p](*vals, **params)
    builder.freeze(args)
    shape_rule = lazy_shapes.get(p)
    lazy = shape_rule(vals) if shape_rule is not None else None
    if lazy is not None:
        var = Var(*lazy)
        builder.values.thunks[var] = (impl_rules[p], vals, params)
        out = _LAZY
    else:
        out = impl_rules[p](*vals, **params)
        var = Var(out.shape, out.dtype)
        builder.values[var] = out
    if var.dtype.kind == "c" and p.complex is None:
        raise TracingError(_COMPLEX.format(op=p.name))
    inputs = [(a.node if a.node is not None else a.value)
              if type(a) is Tracer and a.builder is builder else a for a in args]
    builder.eqns.append(Eqn(p, inputs, params, var, tuple([_shape(v) for v in vals])))
    return Tracer(out, var, builder)


def _is_complex(v):
    return isinstance(v, complex) or getattr(getattr(v, "dtype", None), "kind", None) == "c"


def _complex_operands(p, args, vals, builder):
    """Complex operands of a traced ``p`` (see rules.py, "complex intermediates"): refused
    unless ``p`` accepts them; for a "promote" primitive, its real floating traced operands
    are promoted to the complex result type first, each by a ``promote`` equation (whose VJP
    takes the real part, so a real value's cotangent stays real)."""
    if p.complex is None:
        raise TracingError(_COMPLEX.format(op=p.name))
    if p.complex != "promote":
        return args, vals
    promote_p = primitives["promote"]         # jaccli.primitives.complex (registered by name:
                                              # the primitives sit above this module)
    kinds = [getattr(v, "dtype", v) for v in vals if _is_complex(v) or
             getattr(getattr(v, "dtype", None), "kind", None) == "f"]
    dtype = np.result_type(*kinds)
    args, vals = list(args), list(vals)
    for i, a in enumerate(args):
        if type(a) is Tracer and a.builder is builder and a.node is not None \
                and a.dtype.kind == "f":
            args[i] = bind(promote_p, a, dtype=dtype)
            vals[i] = args[i].value
    return args, vals


def _same_basic_index(a, b):
    """Whether two indices are the same basic index (ints, slices, None, Ellipsis), so that
    they select the same elements; False for anything else (arrays, lists: not compared)."""
    a, b = (a if type(a) is tuple else (a,)), (b if type(b) is tuple else (b,))
    if len(a) != len(b):
        return False
    for i, j in zip(a, b):
        if type(i) is not type(j) or not (i is None or i is Ellipsis or
                                          type(i) in (int, slice) and i == j):
            return False
    return True


def bind_view(p, x, writeback, view_index=None, **params):
    """``bind`` for ops whose NumPy result may be a view of ``x`` (slicing, reshape, .T ...):
    it is one exactly when NumPy's own result shares ``x``'s memory (``y[0]`` of a matrix is a
    view, of a vector a copy; ``y.T.ravel()`` is a copy). ``writeback(x, new_view)`` returns x
    updated through the view, for in-place writes into it (``y[:, 2] += v`` reaches y through
    its view ``y[:, 2]``); None for read-only views (broadcast_to, diagonal)."""
    out = bind(p, x, **params)
    if type(out) is Tracer and _shares_memory(out.value, x.value):
        base = x if x._base is None else x._base
        out._base = base
        out._base_version = base._version
        out._parent = x
        out._writeback = writeback
        out._index = view_index
    return out


def _shares_memory(a, b):
    while type(a) is Tracer:             # nested: the values are outer Tracers; NumPy's
        a = a.value                      # answer is the concrete values' own
    while type(b) is Tracer:
        b = b.value
    if not (hasattr(a, "ndim") and hasattr(b, "ndim")):
        return False
    if type(a) is np.ndarray and type(b) is np.ndarray:
        return np.may_share_memory(a, b)
    return bool(xp_of(a).may_share_memory(a, b))


_STALE_VIEW = ("a view of a traced array (v = y[1:], y.T, y.reshape(...)) was read after y was "
               "assigned into; in NumPy the view would see the change, jaccli cannot alias. "
               "Take the view again after the assignment, or use .copy().")

_WROTE_CONSTANT = ("the function wrote into a NumPy array after using it in a traced "
                   "computation; jaccli records arrays by reference, so the derivative would use "
                   "the new contents. Write into a fresh array instead (buf = buf.copy(), or "
                   "np.zeros_like(x) for traced values).")

_TO_PLAIN = ("a traced array was turned into a plain NumPy array ({how}); its derivative would "
             "be lost. NumPy cannot hand jaccli a Python list of traced values (np.array([a, b]), "
             "np.mean([a, b]), np.r_[a, b]): build arrays from traced values with np.stack / "
             "np.concatenate (np.mean(np.stack([a, b]))), create "
             "arrays to assign into with np.zeros_like(x) or np.zeros(n, like=x), and drop "
             "np.asarray/np.array calls on traced values.")

_COMPLEX = ("'{op}' met a complex operand or result; jaccli has no complex rule for it (complex "
            "intermediates are supported by the elementwise arithmetic, exp/log/sqrt/power, "
            "trig, np.real/np.imag/np.conj/np.abs/np.angle, matmul/einsum, sums and products, "
            "shapes, indexing and np.fft). Rewrite this step on real arrays (np.real(z), "
            "np.imag(z), np.abs(z)) instead; jaccli never casts a complex value silently.")

_COMPLEX_OUTPUT = ("output {k} of the function is complex; jaccli differentiates functions "
                   "with real outputs (the Jacobian is real). Differentiate the real and "
                   "imaginary parts: return np.real(y), np.imag(y) (or np.abs(y)).")

_TO_NUMBER = ("{how} on a traced value (or storing one into a plain NumPy array) would lose "
              "its derivative. Keep it an array: use x[i] instead of {how}, NumPy functions "
              "instead of Python math, and create arrays to store traced values in with "
              "np.zeros_like(x) or np.zeros(n, like=x).")


class Tracer(NDArrayOperatorsMixin):
    """An array under tracing: ``value`` is its concrete value, ``node`` its Var in the graph
    (``None`` for a constant created while tracing, such as ``np.zeros_like(x)``)."""
    __slots__ = ("_value", "node", "builder", "_base", "_base_version", "_version", "_parent",
                 "_writeback", "_index")
    __array_priority__ = 1000

    def __init__(self, value, node, builder):
        self._value = value
        self.node = node
        self.builder = builder
        self._base = None
        self._base_version = 0
        self._version = 0
        self._parent = None
        self._writeback = None
        self._index = None

    # ---- NumPy dispatch (NEP 13 / NEP 18)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.pop("out", None)
        if method == "__call__":
            impl = HANDLED_UFUNCS.get(ufunc)
        else:
            impl = UFUNC_METHODS.get((ufunc, method))
        if impl is None:
            what = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
            special = scipy_special_name(ufunc)
            if special is not None:
                impl = SPECIAL_UFUNCS.get(special) if method == "__call__" else None
                what = f"scipy.special.{special}" + ("" if method == "__call__" else
                                                     f".{method}")
            if impl is None:
                raise TracingError(f"{what} is not supported by jaccli on traced arrays.")
        if out is None:
            return impl(*inputs, **kwargs)
        if len(out) == 1 and type(out[0]) is Tracer:      # y += x, np.add(y, x, out=y)
            out[0]._assign(impl(*inputs, **kwargs))
            return out[0]
        raise TracingError(f"np.{ufunc.__name__}(..., out=...) writes a traced result into a "
                           f"plain NumPy array; write y = np.{ufunc.__name__}(...) instead.")

    def __array_function__(self, func, types, args, kwargs):
        impl = HANDLED_FUNCTIONS.get(func)
        if impl is None and func in LIKE_FUNCTIONS:
            return LIKE_FUNCTIONS[func](self, *args, **kwargs)
        if impl is None:
            raise TracingError(f"{_np_name(func)} is not supported by jaccli on traced arrays "
                               "(see the coverage list in the README).")
        return impl(*args, **kwargs)

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype).kind in "biu":
            # np.int64(x), np.bool_(x), np.asarray(x, dtype=int): an integer result, whose
            # derivative is 0, as with x.astype(int); its value holds at this point only
            self.check_fresh()
            if self.node is not None:
                self.builder.read_value(f"np.{np.dtype(dtype).name}(x) read a traced value")
            return np.asarray(self.value).astype(dtype)
        if dtype is not None:
            raise TracingError(f"np.{np.dtype(dtype).name}(x) or np.asarray(x, dtype=...) on a "
                               "traced value would lose its derivative; write "
                               f"x.astype(np.{np.dtype(dtype).name}) instead.")
        hint = conversion_hint(sys._getframe(1))
        if hint is not None:
            raise TracingError(hint)
        raise TracingError(_TO_PLAIN.format(
            how="np.array/np.asarray, np.array([...]) of traced values, or writing one into a "
                "plain NumPy array"))

    # ---- conversions that would lose the derivative
    def __float__(self):
        raise TracingError(_TO_NUMBER.format(how="float(x) (or np.float64(x))"))

    def __int__(self):
        raise TracingError(_TO_NUMBER.format(how="int(x)"))

    def __complex__(self):
        raise TracingError(_TO_NUMBER.format(how="complex(x)"))

    def item(self, *args):
        raise TracingError(_TO_NUMBER.format(how="x.item()"))

    def tolist(self):
        raise TracingError(_TO_NUMBER.format(how="x.tolist()"))

    def __index__(self):
        if self.value.dtype.kind not in "iu" or self.value.ndim != 0:
            raise TypeError("only integer scalar arrays can be used as an index")
        self.check_fresh()
        if self.node is not None:
            self.builder.decide(self.node, self.value, "a traced integer was used as an index")
        return operator.index(self.value)     # an outer trace's Tracer records its own

    def __bool__(self):
        self.check_fresh()
        if self.node is not None:
            self.builder.decide(self.node, self.value, "Python control flow read a traced value")
        return bool(self.value)

    # ---- array attributes
    @property
    def value(self):
        if self._value is _LAZY:
            self._value = self.builder.values[self.node]
        return self._value

    @value.setter
    def value(self, v):
        self._value = v

    # shape and dtype come from the graph when there is a node: no need to compute a value
    shape = property(lambda self: self.node.shape if self.node is not None else self.value.shape)
    dtype = property(lambda self: self.node.dtype if self.node is not None else self.value.dtype)
    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: math.prod(self.shape))

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self):
        kind = "const" if self.node is None else "traced"
        return f"Tracer<{kind}>({self.value!r})"

    # ---- attributes that are NumPy calls: they dispatch back to jaccli.numpy_api
    T = property(lambda self: np.transpose(self))
    mT = property(lambda self: np.swapaxes(self, -1, -2))
    real = property(lambda self: np.real(self))
    imag = property(lambda self: np.imag(self))

    def __round__(self, ndigits=None):
        return np.round(self, ndigits or 0)

    # ---- indexing and other methods (implemented in jaccli.numpy_api)
    def __getitem__(self, index):
        return HANDLED_METHODS["__getitem__"](self, index)

    def __setitem__(self, index, value):
        # NOTE: ``y[1:] -= v`` is ``t = y[1:]; t -= v`` (written through to y already, as the
        # view's in-place update) then ``y[1:] = t``: writing a fresh view of y back where it
        # came from changes nothing, and would record a second, identical setitem.
        if type(value) is Tracer and value._parent is self and value._index is not None \
                and _same_basic_index(value._index, index) and \
                value._base._version == value._base_version:
            return
        self._assign(HANDLED_METHODS["__setitem__"](self, index, value))

    def _assign(self, new):
        """In-place update (``y[i] = v``, ``y += v``): rebind this tracer to ``new``; for a
        view, write through to the array it views, as NumPy would."""
        if new.shape != self.shape:
            raise ValueError(f"non-broadcastable output operand with shape {self.shape} "
                             f"doesn't match the broadcast shape {new.shape}")
        if type(new) is not Tracer:
            new = Tracer(new, None, self.builder)
        else:
            check_write_level(self, new)
        base = self._base
        if base is not None:
            self.check_fresh()
            if self._writeback is None:
                raise TracingError("assignment destination is read-only: the result of "
                                   "np.broadcast_to / np.diagonal cannot be written to.")
            self._parent._assign(self._writeback(self._parent, new))
            self._base_version = base._version
        self.value = new.value
        self.node = new.node
        self._version += 1

    def check_fresh(self):
        """Raise if this is a view read after the array it views was assigned into."""
        if self._base is not None and self._base._version != self._base_version:
            raise TracingError(_STALE_VIEW)

    @property
    def fresh_value(self):
        """``value``, checked: for code that reads a tracer's value outside ``bind``."""
        self.check_fresh()
        return self.value

    def __getattr__(self, name):
        impl = HANDLED_METHODS.get(name)
        if impl is None:
            raise AttributeError(f"jaccli traced arrays do not support .{name}")
        return impl.__get__(self)


def _np_name(func):
    mod = getattr(func, "__module__", "") or ""
    mod = mod.replace("numpy", "np", 1) if mod.startswith("numpy") else mod
    mod = mod.replace("np.linalg._linalg", "np.linalg").replace("np._core.", "np.")
    mod = mod.split(".")
    # np.fromnumeric, np.shape_base ... are implementation modules: report np.NAME
    prefix = "np.linalg" if "linalg" in mod else ("np.fft" if "fft" in mod else "np")
    return f"{prefix}.{func.__name__}"


_OUTER_WRITE = ("an inner derivative (a jaccli call inside the differentiated function) writes "
                "into an array that belongs to the outer one (created from an outer argument, "
                "e.g. np.zeros(n, like=u) with u not differentiated by the inner call); its "
                "derivative would be lost. Create the array from an argument the inner call "
                "differentiates (np.zeros(n, like=x)), or build it without writing into it "
                "(np.stack / np.concatenate).")


def check_write_level(target, value):
    """An in-place write of ``value`` into the traced ``target`` (setitem, ufunc.at, put):
    refused when ``value`` belongs to an inner trace and ``target`` to an outer one."""
    if type(value) is Tracer and type(target) is Tracer and \
            value.builder.level > target.builder.level:
        raise TracingError(_OUTER_WRITE)


_ACTIVE = []          # the traces under way, outermost first (nested differentiation)


def trace_function(f, args, argnums, device_put=None):
    """Run ``f(*args)`` with the arguments in ``argnums`` traced.

    Returns ``(graph, outputs_tree)`` where ``outputs_tree`` is ``None`` for a single output or
    the number of outputs when ``f`` returned a tuple/list."""
    builder = Builder(device_put, level=len(_ACTIVE) + 1)
    for start in TRACE_STARTS:
        start()
    call_args = list(args)
    for i in argnums:
        if getattr(args[i], "dtype", None) is not None and args[i].dtype.kind == "c":
            raise InputError(f"argument {i} is complex; jaccli differentiates with respect "
                             "to real arrays only: pass its real and imaginary parts as real "
                             "arguments and form z = re + 1j * im inside the function.")
        call_args[i] = Tracer(args[i], builder.new_input(args[i]), builder)
    with np.errstate(all="ignore"):
        _ACTIVE.append(builder)
        try:
            result = f(*call_args)
        except TracingError:
            raise
        except Exception as exc:            # NumPy may wrap our error (a[0] = traced)
            cause = _tracing_cause(exc)
            if cause is not None:
                raise cause from None
            if builder.frozen and "read-only" in str(exc):
                raise TracingError(_WROTE_CONSTANT) from exc
            raise
        finally:
            _ACTIVE.remove(builder)
            builder.thaw()
    multiple = isinstance(result, (tuple, list))
    results = list(result) if multiple else [result]
    outputs = [_output_of(r, k, builder) for k, r in enumerate(results)]
    graph = Graph(builder.inputs, builder.eqns, outputs, builder.values, builder.point_dependent,
                  builder.decisions, builder.verifiable)
    return graph, (len(results) if multiple else None)


def _tracing_cause(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, TracingError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _output_of(r, k, builder):
    if r is None:
        raise TracingError(f"output {k} of the function is None: did the function forget "
                           "its return statement?" if k == 0 else
                           f"output {k} of the function is None, not an array or number.")
    if type(r) is Tracer and r.builder is not builder:
        return r                         # an outer trace's value: a constant of this graph
    if type(r) is Tracer:
        r.check_fresh()
        if r.dtype.kind == "c":
            raise InputError(_COMPLEX_OUTPUT.format(k=k))
        return r.node if r.node is not None else r.value
    if type(r) is not np.ndarray and on_gpu(r):     # a device constant (np.unique's values)
        return r.astype(float)
    if getattr(getattr(r, "dtype", None), "kind", None) == "c" or isinstance(r, complex):
        raise InputError(_COMPLEX_OUTPUT.format(k=k))
    try:
        return np.asarray(r, dtype=float)
    except (TypeError, ValueError):
        raise TracingError(f"output {k} of the function is a {type(r).__name__}, not an array "
                           "or number.") from None
