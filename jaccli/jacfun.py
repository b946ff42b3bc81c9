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
from .ir import Var
from .planner import decide_by_measurement, make_plan
from .rules import eval_rule, lazy_shapes
from .sweeps import Seeds, flat_blocks, flat_offsets, flat_size, sweep_chunk
from .pytree import flatten, is_container
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
    the seeds of its chunks (``_Sweeper``)."""
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
                        sweeper = path.sweeper = _Sweeper(path, entry)
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
                J = _sparse_sweeps(path.graph, path.graph.values, plan, path.dtype, entry.wrt)
            else:
                J = _sweeps(path.graph, path.graph.values, plan.mode, plan.chunk_size,
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
            path.unflatten = _flat_result
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
                plan = _measure_modes(graph, plan, path.dtype, entry.wrt)
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


def _flat_result(J):
    return J


def _sparse_sweeps(graph, env, plan, dtype, wrt):
    """The flat csr_array J of ``plan`` (``sparse.jacobian.plan_sparse``): compressed sweeps,
    or dense ones where the pattern is dense, as ``jacobian(..., sparse=True)``."""
    import scipy.sparse as sp
    if plan.compressed is None:
        return sp.csr_array(np.asarray(_sweeps(graph, env, plan.mode, plan.chunk_size, dtype,
                                               wrt, plan.M, plan.N)))
    from .sparse.jacobian import compressed_jacobian
    chunks = {m: plan.modes[m]["chunk_size"] for m in ("fwd", "rev")}
    return compressed_jacobian(graph, env, graph.sparsity[tuple(wrt)], plan.compressed, chunks,
                               dtype, wrt)


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


# ---------------------------------------------------------------- evaluation and sweeps

def _evaluate(graph, inputs):
    """Every Var's value at new inputs, except the matmuls' (``lazy_shapes``): those are
    computed when read (see ``builder.Values``), so a final ``W @ h`` that only the sweeps'
    rules see is never computed."""
    from .builder import Values
    env = Values()
    for v, x in zip(graph.inputs, inputs):
        env[v] = x
    thunks = env.thunks
    for e in graph.eqns:
        xs = [env[v] if type(v) is Var else v for v in e.inputs]
        if e.prim in lazy_shapes:
            thunks[e.out] = (eval_rule(e.prim), (e, xs), {})
        else:
            env[e.out] = eval_rule(e.prim)(e, xs)
    return env


class _Sweeper:
    """The flat Jacobian of one path at new inputs: its graph compiled (``compiled.Program``)
    and the identity seeds of every chunk made once (read-only) when they are small; the
    interpreter (``_evaluate`` and ``sweep_chunk``) for a graph too large to compile."""
    SEED_BYTES = 16 * 1024 ** 2

    def __init__(self, path, entry):
        from .compiled import MAX_EQUATIONS, Program
        plan, graph = path.plan, path.graph
        self.graph, self.entry, self.mode = graph, entry, plan.mode
        self.out_shapes = path.out_shapes
        self.M, self.N, self.dtype = plan.M, plan.N, path.dtype
        self.program = Program(graph) if len(graph.eqns) <= MAX_EQUATIONS else None
        total, self.width = (plan.N, plan.M) if plan.mode == "fwd" else (plan.M, plan.N)
        self.entry_chunk = plan.chunk_size
        self.offsets = {"fwd": flat_offsets(path.out_shapes),
                        "rev": flat_offsets(entry.in_shapes)}
        self.chunks = [(a, min(a + plan.chunk_size, total))
                       for a in range(0, total, plan.chunk_size)]
        self.seeds = None
        if self.program is not None and total * total * self.dtype.itemsize <= self.SEED_BYTES:
            self.seeds = [self._seeds(a, b) for a, b in self.chunks]
        self.compressed = None
        # NOTE: when to look for a pattern. Its analysis costs about a millisecond for a
        # small graph, more for a large one (``analysis_seconds``); a small J sweeps in
        # microseconds and would never win it back. So it is tried once this path has cost
        # that much in all (its first call, tracing included, and its dense sweeps since):
        # the analysis then costs at most about as much as the path has cost without it.
        self.swept = path.swept if entry.compress is not None and self.program is not None \
            else None
        self.analysis = analysis_seconds(graph, plan.M, plan.N)
        self.sparse = path.unflatten is _flat_result          # jacfun(..., sparse=True)
        if self.sparse and self.program is not None and path.plan.compressed in ("fwd", "rev"):
            info = graph.sparsity[tuple(entry.wrt)]
            self.compressed = _compressed_seeds(self, info, path.plan.compressed)
        self.plan = path.plan

    def _compressed(self, values):
        """The dense J from the compressed sweeps of ``self.compressed``: one seed per colour
        of columns (forward) or rows (reverse), then each entry of the pattern read from its
        colour's product; J is zero off the pattern."""
        mode, seeds, count, rows, cols, take, P, src, dst = self.compressed
        if mode == "fwd":
            B = flat_blocks(self.program.forward(values, seeds, None), self.out_shapes,
                            (count,), self.dtype)            # (c, M): B[colour, row]
        else:
            cts = self.program.reverse(values, seeds)
            B = flat_blocks([cts[k] for k in self.entry.wrt], self.entry.in_shapes, (count,),
                            self.dtype)                      # (c, N): B[colour, column]
        picked = B.ravel()[src]           # B[take, rows] (fwd) or B[take, cols], flat
        if self.sparse:
            import scipy.sparse as sp
            return sp.csr_array((picked, P.indices.copy(), P.indptr.copy()), shape=P.shape)
        J = np.zeros((self.M, self.N), self.dtype)
        J.ravel()[dst] = picked           # J[rows, cols], flat
        return J

    def _seeds(self, start, stop):
        """(blocks, identity) for the chunk start:stop: forward, the tangents of every graph
        input (None off ``wrt``) and the identity rows of each seeded input; reverse, the
        cotangents of the outputs."""
        graph, entry = self.graph, self.entry
        seeds = Seeds.identity(start, stop, self.dtype)
        if self.mode == "fwd":
            blocks = seeds.blocks(entry.in_shapes)
            tangents = [None] * len(graph.inputs)
            for k, b in zip(entry.wrt, blocks):
                tangents[k] = b
            identity = {graph.inputs[k]: r for k, r in
                        zip(entry.wrt, seeds.identity_rows(entry.in_shapes)) if r is not None}
        else:
            tangents = seeds.blocks(self.out_shapes)
            identity = None
        for b in tangents:
            if b is not None:
                b.flags.writeable = False
        return tangents, identity

    def __call__(self, inputs):
        """The flat (M, N) J at ``inputs``, or None where a recorded decision differs."""
        program = self.program
        if program is None:
            env = _evaluate(self.graph, inputs)
            if not _holds(self.graph.decisions, env):
                return None
            if self.sparse:
                with np.errstate(all="ignore"):
                    return _sparse_sweeps(self.graph, env, self.plan, self.dtype,
                                          self.entry.wrt)
            return _sweeps(self.graph, env, self.mode, self.entry_chunk, self.dtype,
                           self.entry.wrt, self.M, self.N)
        with np.errstate(all="ignore"):
            values = self._evaluate(inputs)
            if values is None:
                return None
            if self.compressed is not None:
                return self._compressed(values)
            if self.sparse:                  # bicoloured, or a dense pattern
                return _sparse_sweeps(self.graph, self.program.env(values), self.plan,
                                      self.dtype, self.entry.wrt)
            if self.width == 0 or not self.chunks:
                return np.zeros((self.M, self.N), self.dtype)
            if self.swept is None:
                return self._dense(values)
            if self.swept > self.analysis:
                self.swept = None
                self.compressed = _compression(self, self.entry.compress)
                if self.compressed is not None:
                    return self._compressed(values)
                return self._dense(values)
            t0 = time.perf_counter()
            J = self._dense(values)
            self.swept += time.perf_counter() - t0
            return J

    def _evaluate(self, inputs):
        """The compiled evaluation at ``inputs``: only what the forward sweeps read where
        every sweep left to run is a forward one (``Program.evaluate_for_forward``)."""
        program, compressed = self.program, self.compressed
        if not self.sparse and (compressed[0] == "fwd" if compressed is not None else
                                self.mode == "fwd" and self.swept is None):
            return program.evaluate_for_forward(self.entry.wrt)(inputs)
        return program.evaluate(inputs)

    def _dense(self, values):
        if len(self.chunks) == 1:
            return self._chunk(values, 0).T if self.mode == "fwd" else self._chunk(values, 0)
        rows = np.empty((self.chunks[-1][1], self.width), self.dtype)
        for j, (a, b) in enumerate(self.chunks):
            rows[a:b] = self._chunk(values, j)
        return rows.T if self.mode == "fwd" else rows

    def _chunk(self, values, j):
        seeds, identity = self.seeds[j] if self.seeds is not None else self._seeds(*self.chunks[j])
        count = self.chunks[j][1] - self.chunks[j][0]
        if self.mode == "fwd":
            blocks = self.program.forward(values, seeds, identity)
            shapes = self.out_shapes
        else:
            cts = self.program.reverse(values, seeds)
            blocks, shapes = [cts[k] for k in self.entry.wrt], self.entry.in_shapes
        if len(blocks) == 1 and blocks[0] is not None and blocks[0].shape[:1] == (count,):
            return blocks[0].reshape(count, -1)
        offsets = self.offsets[self.mode]
        out = np.empty((count, offsets[-1]), self.dtype)
        for b, shape, lo, hi in zip(blocks, shapes, offsets, offsets[1:]):
            if b is None:
                out[:, lo:hi] = 0
            elif b.shape[:1] == (count,):
                out[:, lo:hi] = b.reshape(count, hi - lo)
            else:                                 # fewer leading axes: broadcast
                out[:, lo:hi] = np.broadcast_to(b, (count,) + tuple(shape)).reshape(count, -1)
        return out


COMPRESS_MIN_SEEDS = 32     # fewer seeds than this: dense sweeps, no pattern analysis
# the estimated cost of a pattern analysis and colouring (measured on the 2-core dev box,
# loaded, warm: 0.7-1.0 ms for the 10 equations of a 1-D Bratu residual at n = 100-1000,
# 1.8 ms at 10^4, 1.2-4.9 ms for the 29 of a Rosenbrock gradient at n = 200-20000), and the
# first colouring's import of scipy.optimize (its compiled group_columns: 0.2-0.7 s) when no
# one has imported it yet
COMPRESS_BASE_SECONDS = 5e-4
COMPRESS_PER_EQUATION = 2.5e-5
COMPRESS_PER_ENTRY = 1e-7       # per row and column of J
COMPRESS_IMPORT_SECONDS = 0.3
COMPRESS_GAIN = 2.0         # compressed sweeps when they need this many times fewer seeds


def analysis_seconds(graph, M, N):
    """The estimated seconds of ``_compression`` on ``graph`` (an (M, N) J)."""
    import sys
    cold = COMPRESS_IMPORT_SECONDS if "scipy.optimize" not in sys.modules else 0.0
    return cold + COMPRESS_BASE_SECONDS + COMPRESS_PER_EQUATION * len(graph.eqns) \
        + COMPRESS_PER_ENTRY * (M + N)


def _compression(sweeper, modes):
    """(mode, seeds, count, rows, cols, take) for compressed sweeps of a dense J, or None.

    NOTE: a dense J by compressed sweeps. The graph's sparsity pattern (``sparse.pattern``: a
    superset of the nonzeros, valid wherever the graph is, which the decisions re-checked at
    every call guarantee) and a colouring of it are made once, at the first reuse; when they
    need ``COMPRESS_GAIN`` times fewer seeds than the dense sweeps (a stencil: 3 instead of
    n), each call sweeps one seed per colour and scatters the pattern's entries into a zero
    J. Entries are the same products as the dense sweeps' (a sum with exact zeros). Reverse
    seeds count double (DESIGN: a reverse seed costs ~2x)."""
    from .sparse.jacobian import sparsity
    entry, M, N = sweeper.entry, sweeper.M, sweeper.N
    dense = N if sweeper.mode == "fwd" else 2 * M
    if min(M, N) < COMPRESS_MIN_SEEDS or _clearly_dense(sweeper.graph):
        return None
    info = sparsity(sweeper.graph, entry.wrt)        # kept on the graph; None: dense
    if info is None:
        return None
    options = [(info.coloring(m).count * w, m) for m, w in (("fwd", 1), ("rev", 2))
               if m in modes]
    cost, mode = min(options)
    if cost * COMPRESS_GAIN > dense:
        return None
    return _compressed_seeds(sweeper, info, mode)


def _compressed_seeds(sweeper, info, mode):
    """(mode, seeds, count, rows, cols, take, P, src, dst): the read-only seeds of one
    colouring of ``info`` (a ``sparse.jacobian.Sparsity``) for the compiled sweeps, and where
    each entry of the canonical pattern P is read from: row ``rows``, column ``cols``, colour
    ``take``; ``src`` and ``dst`` the same as flat indices into the (c, M) or (c, N) product
    and into J."""
    from .sparse.orderings import pattern_csr, row_of_entry
    entry = sweeper.entry
    coloring = info.coloring(mode)
    P = pattern_csr(info.pattern)
    rows, cols = row_of_entry(P), P.indices
    S = Seeds.rows(coloring.seed_matrix().T, sweeper.dtype)    # (c, N) or (c, M)
    if mode == "fwd":
        seeds = [None] * len(sweeper.graph.inputs)
        for k, b in zip(entry.wrt, S.blocks(entry.in_shapes)):
            seeds[k] = b
        take = coloring.colors[cols]
    else:
        seeds = S.blocks(sweeper.out_shapes)
        take = coloring.colors[rows]
    for b in seeds:
        if b is not None:
            b.flags.writeable = False
    other = rows if mode == "fwd" else cols
    src = take.astype(np.intp) * (sweeper.M if mode == "fwd" else sweeper.N) + other
    dst = rows.astype(np.intp) * sweeper.N + cols
    return mode, seeds, coloring.count, rows, cols, take, P, src, dst


def _clearly_dense(graph):
    """A matmul with a large, mostly nonzero constant matrix: its J is dense, and building
    its pattern would cost more (a 1000 x 1000 A: ~0.1 s) than saying so."""
    from .sparse.pattern import DENSE_FRACTION, DENSE_MIN_NNZ
    for e in graph.eqns:
        if e.prim.kind == "contraction":
            for v in e.inputs:
                if type(v) is not Var and np.ndim(v) >= 2 and np.size(v) >= DENSE_MIN_NNZ \
                        and np.count_nonzero(v) > DENSE_FRACTION * np.size(v):
                    return True
    return False


def _holds(decisions, env):
    for var, value in decisions:
        if not np.array_equal(env[var], value):
            return False
    return True


def _sweeps(graph, env, mode, chunk_size, dtype, wrt, M, N):
    """The flat (M, N) Jacobian from identity seeds in chunks of ``chunk_size``."""
    seeds_total, width = (N, M) if mode == "fwd" else (M, N)
    if seeds_total == 0 or width == 0:
        return np.zeros((M, N), dtype)
    if chunk_size >= seeds_total:
        block = sweep_chunk(graph, env, mode, Seeds.identity(0, seeds_total, dtype), (), wrt)
        return block.T if mode == "fwd" else block
    rows = np.empty((seeds_total, width), dtype)
    for start in range(0, seeds_total, chunk_size):
        stop = min(start + chunk_size, seeds_total)
        rows[start:stop] = sweep_chunk(graph, env, mode, Seeds.identity(start, stop, dtype),
                                       (), wrt)
    return rows.T if mode == "fwd" else rows


def _measure_modes(graph, plan, dtype, wrt):
    """As api's measurement of the modes, over the differentiated inputs ``wrt`` only."""
    import time
    seeds = Seeds.identity(0, plan.measure, dtype)
    best = {"fwd": float("inf"), "rev": float("inf")}
    for _ in range(2):
        for mode in ("fwd", "rev"):
            t0 = time.perf_counter()
            sweep_chunk(graph, graph.values, mode, seeds, (), wrt)
            best[mode] = min(best[mode], time.perf_counter() - t0)
    return decide_by_measurement(plan, best, plan.measure)
