"""Reusable Hessian-vector products (``jaccli.hvpfun``): forward over reverse, traced once.

    hessp = HvpFunction(f, fallback)       # hessp(x, v, *args) = H(x) @ v, f scalar
    hessp(x, v, *args)

The first call of an argument signature traces the *gradient graph* of ``f`` (the reverse
sweep of f's trace, itself traced: ``hessian.derivative_graph``'s nesting, with a 0-d
cotangent seed), its inputs x and every float argument. A call evaluates that graph at the
new point and pushes the one tangent ``v`` through it (a forward sweep): H v for the cost of
the gradient and one JVP of it, with no seed axis. Later calls use the graph compiled
(``compiled.Program``), as ``jacfun`` does.

NOTE: why not the gradient of <grad f(x), v>. That (reverse over reverse, the first version
of hvpfun, still the ``fallback``) evaluates the gradient graph and then sweeps it in reverse,
whose rules keep every (1000, 50)-sized intermediate of an MLP alive at once: 11x one
evaluation of f, against ~5x here (scripts/bench_hessian.py, case hvp).

NOTE: never stale, as ``jacfun``: the decisions a trace recorded are re-checked by the
compiled ``evaluate`` at every call (a few paths per signature); a graph that read a value no
decision records, an argument that cannot be keyed on (a list, an object), or an ``f`` that
reads a float argument as a number go to ``fallback`` (the reverse-over-reverse jacfun, which
traces where it must). Arrays ``f`` reads other than its arguments are taken as they were at
the first call (``jax.jit``'s rule).
"""
from collections import OrderedDict

import numpy as np

from .arguments import checked_arguments, output_info
from .errors import InputError, TracingError
from .hessian import live_part
from .interpret import jvp_sweep, vjp_sweep
from .ir import Var
from .tracer import trace_function

CACHE_SIZE = 8          # argument signatures kept (least recently used dropped)
PATHS_PER_ENTRY = 8     # traced paths kept per signature (branches taken)
_STATIC = (bool, int, str, bytes, type(None), complex, np.integer, np.bool_, np.dtype)


class _Path:
    """One traced gradient graph and, from its first reuse, its compiled program."""
    __slots__ = ("graph", "program")

    def __init__(self, graph):
        self.graph, self.program = graph, None


class HvpFunction:
    """``hvpfun(f)``: ``hessp(x, v, *args)`` -> ``H(x) @ v``, shaped as x."""

    def __init__(self, f, fallback):
        self.f, self.fallback = f, fallback
        self._cache = OrderedDict()    # signature -> list of _Path, or None: use fallback
        self._traces = 0

    @property
    def traces(self):
        """How many times f was traced (here and by the fallback)."""
        return self._traces + self.fallback.traces

    def __repr__(self):
        return f"hvpfun({getattr(self.f, '__name__', repr(self.f))})"

    def __call__(self, x, v, *args, **kwargs):
        key, values, floats = (None, None, None) if kwargs else _signature((x,) + args)
        if key is None:                 # keywords, pytrees, objects: the fallback's keys
            return self.fallback(x, v, *args, **kwargs)
        x = values[0]
        v = np.asarray(v, dtype=x.dtype)
        if v.shape != x.shape:
            raise InputError(f"hessp got v of shape {v.shape} for x of shape {x.shape}: "
                             "they must match.")
        paths = self._cache.get(key, ())
        if key in self._cache:
            self._cache.move_to_end(key)
            if paths is None:
                return self.fallback(x, v, *args)
        inputs = [values[k] for k in floats]
        tangents = [v] + [None] * (len(inputs) - 1)
        with np.errstate(all="ignore"):
            for k, path in enumerate(paths):
                if path.program is None:
                    from .compiled import Program
                    path.program = Program(path.graph)
                program = path.program
                env = program.evaluate_for_forward((0,))(inputs)
                if env is not None:
                    if k:
                        paths.insert(0, paths.pop(k))
                    return _result(program.forward(env, tangents, None)[0], x)
            path = self._trace(key, values, floats)
            if path is None:
                return self.fallback(x, v, *args)
            return _result(jvp_sweep(path.graph, path.graph.values, tangents)[0], x)

    def _trace(self, key, values, floats):
        """A new path at ``values`` (kept for reuse), or None where this signature must go
        to the fallback from now on."""
        from .compiled import MAX_EQUATIONS
        f = self.f

        def gradient(*xs):
            call = list(values)
            for k, xk in zip(floats, xs):
                call[k] = xk
            # NOTE: every float argument is traced here too, not x alone: an array f creates
            # from one (np.zeros(n, like=u)) and writes x's values into then belongs to this
            # trace (an outer trace's array cannot take them: tracer.check_write_level);
            # the sweep's cotangents of the others are dead code that live_part drops.
            graph, n_out = trace_function(f, call, tuple(floats))
            shapes, dtype = output_info(graph)
            if n_out is not None or shapes != [()]:
                raise InputError("hvpfun needs a scalar f (H @ v of a vector function is not "
                                 f"defined); f returned shape(s) {shapes}.")
            out = graph.outputs[0]
            ct = None
            if type(out) is Var:
                ct = vjp_sweep(graph, graph.values, [np.ones((), dtype)])[0]
            return np.zeros(call[0].shape, call[0].dtype) if ct is None else ct

        try:
            graph, _ = trace_function(gradient, [values[k] for k in floats],
                                      tuple(range(len(floats))))
        except TracingError:
            paths = self._cache.get(key)
            if paths:
                raise
            self._remember(key, None)          # f reads a float argument as a number
            return None
        self._traces += 1
        graph = live_part(graph)
        paths = self._cache.get(key) or []
        if not graph.verifiable or len(graph.eqns) > MAX_EQUATIONS:
            if not paths:
                self._remember(key, None)
            return _Path(graph)                # answers this call only
        paths.insert(0, _Path(graph))
        del paths[PATHS_PER_ENTRY:]
        self._remember(key, paths)
        return paths[0]

    def _remember(self, key, paths):
        self._cache[key] = paths
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


def _result(t, x):
    return np.zeros(x.shape, x.dtype) if t is None else t


def _signature(args):
    """(key, values, floats): the cache key of ``args`` (x first), the values to trace or
    evaluate with (x checked to be float, as ``jacobian`` does; float scalars as arrays) and
    the indices of the float arguments (graph inputs, x first). key None: not keyable."""
    values = list(args)
    if isinstance(args[0], (tuple, list, dict)):
        return None, None, None          # a pytree x: the fallback's (jacfun's) keys
    values[0] = checked_arguments(args[:1], 0)[0][0]
    key, floats = [], []
    for i, a in enumerate(values):
        if type(a) is float or isinstance(a, np.floating):
            a = values[i] = np.asarray(a)
        if type(a) is np.ndarray:
            if a.dtype.kind == "f":
                key.append((a.shape, a.dtype.char))
                floats.append(i)
            else:
                key.append((a.shape, a.dtype.str, a.tobytes()))
        elif isinstance(a, _STATIC):
            key.append((type(a), a))
        elif type(a) is tuple and all(isinstance(b, _STATIC) for b in a):
            key.append((tuple, a))
        else:
            return None, None, None
    return tuple(key), values, floats
