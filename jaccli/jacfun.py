"""Reusable Jacobian functions: ``jac = jacfun(f)`` traces and plans at the first call and
answers later calls with the same argument shapes and dtypes from the same graph.

    jac = jaccli.jacfun(F)                 # jac(*args) -> J, exactly as jacobian(F, *args)
    scipy.optimize.root(F, x0, jac=jac)

A cache entry (``_Entry``) holds whatever was prepared at the first call of one argument
signature: one or more *paths* (``_Path``: a traced graph, its plan and layout of J, and
from its first reuse the straight-line program compiled from it; with ``sparse=True`` the
pattern and colouring, kept on the graph by ``sparse.jacobian``). A later call evaluates a path's graph at the new
point and sweeps it; tracing and planning are skipped.

NOTE: never stale. A trace that read a traced value for control flow (a branch, a traced
index) recorded *decisions*: (Var, value) pairs. At every call each path's decisions are
re-checked on the new point's values; where none holds the function is traced again and the
new path is kept beside the others (a few paths per signature, one per branch taken). A graph
that read a value no decision records (np.argmax, np.nonzero ...) is traced at every call.
Every float argument, differentiated or not, is a graph input; other arguments (ints, strings,
integer arrays ...) are part of the cache key by value, and arguments whose value we cannot key
on (objects) make every call trace afresh.

NOTE: pytrees and keywords. A call with pytree arguments (tuples, lists, dicts, namedtuples)
or keyword arguments is flattened (``arguments.FlatCall``): its structure (the TreeDef of
(args, kwargs)) picks a reusable function of the flat leaves, cached like a signature, whose
own cache keys the leaves as above. So a float array in a keyword argument is a graph input,
read afresh at every call (never stale), and an int in one is keyed by value. The output's
structure is the one of the latest trace: it must not depend on a branch taken.

NOTE: closures. As with ``jax.jit``, arrays ``f`` reads that are not its arguments (globals,
closures, attributes) are taken as they were at the first call of a signature: the graph holds
them as constants. Pass an array as an argument when it changes between calls.
"""
import time
from collections import OrderedDict

import numpy as np

from . import api
from .arguments import FlatCall
from .errors import InputError, TracingError
from .jacfun_sweeps import Sweeper, flat_result, measure_modes, path_sweeps, sparse_sweeps
from .planner import make_plan
from .pytree import flatten, is_container
from .sweeps import flat_offsets, flat_size
from .tracer import trace_function

CACHE_SIZE = 8          # argument signatures kept per jacfun (least recently used dropped)
PATHS_PER_ENTRY = 8     # traced paths kept per signature (branches taken)

_STATIC_TYPES = (bool, int, str, bytes, type(None), complex, np.integer, np.bool_, np.dtype)


def jacfun(f, argnums=0, mode="auto", sparse=False, chunk_size=None, memory_limit=None):
    """A function ``jac(*args)`` returning ``jacobian(f, *args, argnums=argnums, mode=mode,
    chunk_size=chunk_size, memory_limit=memory_limit)``: the same shapes (``out.shape +
    arg.shape``; a scalar ``f``'s is its gradient, shaped as the argument), the same errors.

    The first call traces ``f`` and plans; a later call whose arguments have the same shapes
    and dtypes (and the same values of non-float arguments: ints, strings, integer arrays)
    reuses the graph and the plan, evaluating the graph at the new point. A small LRU cache
    keeps a few such signatures. Control flow on traced values is re-checked at every call and
    traced again where it takes another path, so an answer is never stale.

    As with ``jax.jit``, arrays ``f`` reads other than its arguments (globals, closures) are
    taken as they were at the first call: pass an array that changes as an argument.

    Pytree arguments and outputs, and keyword arguments (passed to ``f``, not
    differentiated), as ``jacobian``; the cache is keyed on their structure too.

    sparse: True returns what ``jacobian(..., sparse=True)`` does, the flat (M, N) Jacobian
    over all outputs and ``argnums`` as a ``scipy.sparse.csr_array``; the pattern and its
    colouring are found at the first call of a signature (per path) and reused.

    For SciPy: ``root(F, x0, jac=jacfun(F))``, ``minimize(f, x0, jac=jacfun(f))``,
    ``solve_ivp(rhs, ..., method="BDF", jac=jacfun(rhs, argnums=1))``,
    ``least_squares(F, x0, jac=jacfun(F, sparse=True))``.
    """
    if sparse not in (True, False):
        raise InputError(f"sparse={sparse!r} is not True or False.")
    mode, chunk_size, memory_limit = api.check_engine(mode, chunk_size, memory_limit)
    return JacobianFunction(f, argnums, mode, chunk_size, memory_limit, sparse)


def hessfun(f, argnums=0, mode="auto", chunk_size=None, memory_limit=None):
    """A function ``hess(*args)`` returning the Hessian of ``f`` at ``args``, with the shapes
    of ``jaccli.hessian`` (scalar f: ``x.shape + x.shape``; a tuple ``argnums``: the nested
    blocks ``H[i][j]``). It is the reusable Jacobian function (``jacfun``) of ``f``'s
    derivative: the first call traces the derivative sweep (forward over reverse), later
    calls with the same signatures evaluate that graph and sweep it.

    For SciPy: ``minimize(f, x0, jac=jacfun(f), hess=hessfun(f), method="trust-exact")``."""
    def derivative(*args, **kwargs):
        return api.jacobian(f, *args, argnums=argnums, **kwargs)
    derivative.__name__ = f"derivative of {getattr(f, '__name__', 'f')}"
    return jacfun(derivative, argnums, mode, False, chunk_size, memory_limit)


def hvpfun(f, argnums=0):
    """A function ``hessp(x, v, *args)`` returning ``H(x) @ v`` for a scalar ``f(x, *args)``
    (``v`` and the result shaped as ``x``), as SciPy's ``minimize(hessp=)`` calls it: forward
    over reverse, the gradient graph traced once per argument signature (``x`` and the float
    ``args`` its inputs) and one tangent ``v`` pushed through it at each call, so a new ``v``
    or point never traces again (see ``jaccli.hessvec``). A non-scalar f is an InputError;
    ``argnums`` other than 0 is refused."""
    if argnums != 0:
        raise InputError("hvpfun differentiates the first argument only (argnums=0), as "
                         "minimize(hessp=) calls it: hessp(x, v, *args).")

    def directional(x, v, *args, **kwargs):
        g, tree = flatten(api.jacobian(f, x, *args, **kwargs))
        vs, given = flatten(v)
        if not tree.same_shape(given, loose=True):
            raise InputError(f"hessp's v has the structure {given.describe()}, x "
                             f"{tree.describe()}: give v in x's containers.")
        return sum((gk * vk).sum() for gk, vk in zip(g, vs))
    from .hessvec import HvpFunction        # forward over reverse; directional's jacfun for
    return HvpFunction(f, jacfun(directional, 0))   # what it cannot take (hessvec.py)


class _Path:
    """One traced graph of a signature: its layout of J (output shapes may differ between
    paths: a boolean mask), its plan and, from its first reuse on, its compiled program and
    the seeds of its chunks (``Sweeper``)."""
    __slots__ = ("graph", "n_out", "out_shapes", "dtype", "plan", "unflatten", "sweeper",
                 "swept")

    def __init__(self, graph, n_out):
        self.graph, self.n_out = graph, n_out
        self.plan = self.sweeper = None


class _Entry:
    """What was prepared at the first call of one argument signature: which arguments are
    graph inputs (``traced``: every float one) and which of them are differentiated
    (``wrt``), and the paths traced so far, the most recently used first."""
    __slots__ = ("traced", "wrt", "in_shapes", "single", "paths", "reusable", "compress")

    def __init__(self, traced, wrt, in_shapes, single, compress):
        self.traced, self.wrt, self.in_shapes, self.single = traced, wrt, in_shapes, single
        self.compress = compress  # modes compressed sweeps may use for a dense J, or None
        self.paths = []
        self.reusable = True     # False: every call traces (see _first_call and _trace)


class JacobianFunction:
    """``jacfun(f, ...)``: call it as ``jacobian(f, *args)`` without the keywords."""

    def __init__(self, f, argnums, mode, chunk_size, memory_limit, sparse=False):
        self.f, self.argnums, self.sparse = f, argnums, sparse
        self.mode, self.chunk_size, self.memory_limit = mode, chunk_size, memory_limit
        self._cache = OrderedDict()
        self._nums = {}          # number of arguments -> (argnums tuple, single)
        self._trees = OrderedDict()   # structure of (args, kwargs) -> (FlatCall, inner jacfun)
        self.traces = 0          # how many times f was traced (for tests and curiosity)
        # compressed sweeps (a dense J of a sparse pattern) in the modes the options allow
        self._compress = None if chunk_size is not None or sparse else (
            ("fwd", "rev") if mode == "auto" else (mode,))

    def __repr__(self):
        name = getattr(self.f, "__name__", repr(self.f))
        return f"jacfun({name}, argnums={self.argnums!r}, mode={self.mode!r})"

    # ---------------------------------------------------------------- the call
    def __call__(self, *args, **kwargs):
        if kwargs or not _plain(args):
            return self._pytree(args, kwargs, False)
        return self._compute(args, False)

    def flat(self, *args, **kwargs):
        """The flat (M, N) Jacobian at ``args``, as ``jaccli.api.flat_jacobian(...).matrix``:
        rows the outputs, columns the ``argnums`` arguments, each flattened in C order."""
        if kwargs or not _plain(args):
            return self._pytree(args, kwargs, True)
        return self._compute(args, True)

    def _pytree(self, args, kwargs, flat):
        """A call with pytree or keyword arguments: the reusable Jacobian function of its
        structure's flat function, on the leaves (the jacfun NOTE on pytrees)."""
        leaves, tree = flatten((args, kwargs))
        found = self._trees.get(tree)
        if found is None:
            call = FlatCall(self.f, args, kwargs, self.argnums)
            inner = JacobianFunction(call, call.flat_nums, self.mode, self.chunk_size,
                                     self.memory_limit, self.sparse)
            found = self._trees[tree] = (call, inner)
            while len(self._trees) > CACHE_SIZE:
                self._trees.popitem(last=False)
        else:
            self._trees.move_to_end(tree)
            call, inner = found
            for j in call.flat_nums:             # the leaves' own names in errors
                a = leaves[j]
                if type(a) is not np.ndarray or a.dtype.kind != "f":
                    leaves[j] = api.differentiable(a, call.leaf_name(j))
        before = inner.traces
        result = inner._compute(leaves, True if flat else False)
        self.traces += inner.traces - before
        if flat or self.sparse:
            return result
        return call.jacobian(result)

    def _compute(self, args, flat):
        nums = self._nums.get(len(args))
        if nums is None:
            nums = self._nums[len(args)] = api.argnums_tuple(self.argnums, len(args))
        nums, single = nums
        key, values = _signature(args, nums)
        if key is None:                          # an argument we cannot key on: no cache
            return self._uncached(args, flat)
        entry = self._cache.get(key)
        if entry is None:
            floats = tuple(i for i, v in enumerate(values) if type(v) is np.ndarray
                           and v.dtype.kind == "f")      # every differentiated one too
            entry = _Entry(floats, [floats.index(i) for i in nums],
                           [values[i].shape for i in nums], single, self._compress)
            self._cache[key] = entry
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
            if entry.reusable:
                inputs = [values[i] for i in entry.traced]
                for k, path in enumerate(entry.paths):
                    sweeper = path.sweeper
                    if sweeper is None:
                        sweeper = path.sweeper = Sweeper(path, entry)
                    J = sweeper(inputs)
                    if J is not None:
                        if k:                    # most recently used first
                            entry.paths.insert(0, entry.paths.pop(k))
                        return J if flat else path.unflatten(J)
        if entry.traced is None:                 # f reads a float argument as a number
            return self._uncached(args, flat)
        t0 = time.perf_counter()
        path = self._trace(entry, args, values)
        if path is None:
            return self._uncached(args, flat)
        if entry.reusable and path.graph.verifiable:
            entry.paths.insert(0, path)
            del entry.paths[PATHS_PER_ENTRY:]
        elif not entry.paths:
            entry.reusable = False               # a value read no decision records
        plan = path.plan
        with np.errstate(all="ignore"):
            if self.sparse:
                J = sparse_sweeps(path.graph, path.graph.values, plan, path.dtype, entry.wrt)
            else:
                J = path_sweeps(path.graph, path.graph.values, plan.mode, plan.chunk_size,
                            path.dtype, entry.wrt, plan.M, plan.N)
        path.swept = time.perf_counter() - t0       # tracing, planning and sweeping
        return J if flat else path.unflatten(J)

    def _uncached(self, args, flat=False):
        if flat or self.sparse:
            return api.flat_jacobian(self.f, args, argnums=self.argnums, mode=self.mode,
                                     chunk_size=self.chunk_size,
                                     memory_limit=self.memory_limit,
                                     sparse=self.sparse).matrix
        return api.jacobian(self.f, *args, argnums=self.argnums, mode=self.mode,
                            chunk_size=self.chunk_size, memory_limit=self.memory_limit)

    def _trace(self, entry, args, values):
        """A new path at ``values``, planned (the plan of another path with the same M is
        reused); None when ``f`` cannot take its non-differentiated floats as traced arrays
        (it reads one as a number: ``float(t)``, ``math.exp(t)``): then every call of this
        signature traces as ``jacobian`` does."""
        try:
            graph, n_out = trace_function(self.f, values, entry.traced)
        except TracingError:
            if len(entry.traced) == len(entry.wrt) or entry.paths:
                raise
            entry.traced = None
            entry.reusable = False
            return None
        self.traces += 1
        path = _Path(graph, n_out)
        path.out_shapes, path.dtype = _output_info(graph, entry.wrt)
        path.unflatten = _unflattener(path.out_shapes, entry.in_shapes, n_out, entry.single)
        M, N = flat_size(path.out_shapes), flat_size(entry.in_shapes)
        if self.sparse:                   # the flat csr_array, a plan per graph (pattern)
            path.unflatten = flat_result
            plan = make_plan(graph, M, N, self.mode, self.chunk_size, self.memory_limit,
                             dense_result=False)
            from .sparse.jacobian import plan_sparse
            path.plan = plan_sparse(graph, plan, required=True, wrt=entry.wrt, mode=self.mode)
            return path
        for other in entry.paths:
            if other.plan.M == M and other.dtype == path.dtype:
                path.plan = other.plan
                return path
        plan = make_plan(graph, M, N, self.mode, self.chunk_size, self.memory_limit)
        if plan.measure:
            with np.errstate(all="ignore"):
                plan = measure_modes(graph, plan, path.dtype, entry.wrt)
        path.plan = plan
        return path


# ---------------------------------------------------------------- signatures

def _plain(args):
    """Whether no argument is a container (a pytree with structure): the direct path."""
    return not any(is_container(a) for a in args)


def _signature(args, nums):
    """(key, values): the cache key of a call and the argument values to trace or evaluate
    with (float arguments as arrays). key is None when an argument cannot be keyed on."""
    key = []
    values = list(args)
    for i, a in enumerate(args):
        if i in nums:
            if type(a) is float:
                a = values[i] = np.array(a)
            elif type(a) is not np.ndarray or a.dtype.kind != "f" or a.dtype.itemsize < 4:
                a = values[i] = api.differentiable(a, i)
            key.append((a.shape, a.dtype.char))
        elif type(a) is np.ndarray:
            if a.dtype.kind == "f":
                key.append((a.shape, a.dtype.char))
            else:
                key.append((a.shape, a.dtype.str, a.tobytes()))
        elif type(a) is float or isinstance(a, np.floating):
            a = values[i] = np.asarray(a)
            key.append(((), a.dtype.char))
        elif isinstance(a, _STATIC_TYPES):
            key.append((type(a), a))
        elif type(a) is tuple and all(isinstance(b, _STATIC_TYPES) for b in a):
            key.append((tuple, a))
        else:
            return None, None
    return tuple(key), values


def _unflattener(out_shapes, in_shapes, n_out, single):
    """J (M, N) -> the result as ``jacobian`` returns it (``api.unflatten``)."""
    if n_out is None and single:
        shape = tuple(out_shapes[0]) + tuple(in_shapes[0])
        return lambda J: J.reshape(shape)
    rows, cols = flat_offsets(out_shapes), flat_offsets(in_shapes)
    blocks = [[(slice(rows[o], rows[o + 1]), slice(cols[i], cols[i + 1]),
                tuple(os) + tuple(ins)) for i, ins in enumerate(in_shapes)]
              for o, os in enumerate(out_shapes)]

    def unflatten(J):
        out = [tuple([J[r, c].reshape(shape) for r, c, shape in row]) for row in blocks]
        if single:
            out = [row[0] for row in out]
        return out[0] if n_out is None else tuple(out)
    return unflatten


def _output_info(graph, wrt):
    dtypes = [o.dtype for o in graph.outputs if o.dtype.kind == "f"]
    ins = [graph.inputs[k].dtype for k in wrt]
    return [tuple(o.shape) for o in graph.outputs], np.result_type(*dtypes, *ins)
