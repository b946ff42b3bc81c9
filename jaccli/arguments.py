"""The user's arguments: ``argnums``, the checks on differentiated values, and pytrees.

``FlatCall`` turns ``f(*args, **kwargs)`` whose arguments and result are pytrees (nested
tuples, lists, dicts, namedtuples of arrays; ``jaccli.pytree``) into a function of flat
leaves returning a flat tuple of output leaves, which is what the tracer and the sweeps
work on; it then puts flat results back into the user's structure: outputs outside,
differentiated arguments inside, as JAX does.

NOTE: the flat layout. The columns of a flat Jacobian (``flat_jacobian``, ``sparse=True``)
are the leaves of the ``argnums`` arguments in order, each argument's leaves in
``pytree.flatten`` order (depth first, dict keys sorted), each leaf flattened in C order;
the rows likewise over the output's leaves. ``FlatCall.in_names`` / ``out_names`` name them.

NOTE: keyword arguments are passed through to ``f`` as constants, never differentiated
(``argnums`` counts positional arguments only). They are flattened with the positional
ones, so float arrays in them are graph inputs where a graph is reused (``jacfun``): a new
value is read at every call, never stale.
"""
import functools
import warnings

import numpy as np

from .backend import on_gpu
from .errors import InputError, PrecisionWarning, TracingError
from .pytree import flatten, render
from .tracer import Tracer, trace_function


def argnums_tuple(argnums, nargs):
    """(the argument indices as a tuple of ints in range, single: argnums was an int)."""
    single = isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool)
    try:
        nums = (argnums,) if single else tuple(argnums)
    except TypeError:
        nums = None
    if nums is None or isinstance(argnums, bool):
        raise InputError(f"argnums={argnums!r} does not name an argument: pass an int or a "
                         f"tuple of ints below {nargs} (the function was given {nargs} "
                         "positional argument(s)).")
    if not nums:
        raise InputError("argnums is empty: name at least one argument to differentiate.")
    out = []
    for a in nums:
        if not isinstance(a, (int, np.integer)) or not -nargs <= a < nargs:
            raise InputError(f"argnums={argnums!r} does not name an argument: the function "
                             f"was given {nargs} positional argument(s).")
        out.append(int(a) % nargs)
    if len(set(out)) != len(out):
        raise InputError(f"argnums={argnums!r} names an argument twice.")
    return tuple(out), single


def differentiable(value, name, xp=np):
    """``value`` as a float array of ``xp``, or an InputError naming it (``name``: 'argument
    0', or an int taken as the argument's position)."""
    if not isinstance(name, str):
        name = f"argument {name}"
    if type(value) is Tracer:            # nested: an outer trace's value (tracer.bind's NOTE)
        return _nested_argument(value, name, xp)
    if xp is np and on_gpu(value):
        raise InputError(f"{name} is a CuPy (GPU) array; pass device='cuda' to compute "
                         "on the GPU.")
    try:
        a = xp.asarray(value)
    except Exception as exc:
        raise InputError(f"{name} cannot be read as an array: {exc}") from None
    if a.dtype.name == "bfloat16" or (a.dtype.kind == "f" and a.dtype.itemsize < 4):
        a = _widened(a, name)
    kind = a.dtype.kind
    if kind in "iub":
        raise InputError(f"{name} has dtype {a.dtype}; only floating-point inputs can be "
                         f"differentiated. Pass it as floats (x.astype(float)) or leave it out "
                         f"of argnums.")
    if kind == "c":
        raise InputError(f"{name} has dtype {a.dtype}; jaccli differentiates functions "
                         "of real arrays (complex values may occur inside the function). Pass "
                         "the real and imaginary parts as real arguments and form "
                         "z = re + 1j * im inside the function.")
    if kind != "f":
        raise InputError(f"{name} has dtype {a.dtype}; jaccli differentiates real "
                         "floating-point arrays only.")
    return a


def checked_arguments(args, argnums=0):
    """(args as a list, argnums tuple, single) for paths that take plain array arguments
    (``hessian(..., batched=)``): the differentiated ones checked to be float arrays (the
    InputError of ``jacobian`` otherwise); a container argument is an InputError."""
    nums, single = argnums_tuple(argnums, len(args))
    args = list(args)
    for i, a in enumerate(args):
        if isinstance(a, (tuple, list, dict)):
            raise InputError(f"argument {i} is a {type(a).__name__}; this path (batched= "
                             "Hessians) takes arrays only in this version: pass the arrays "
                             "as separate arguments.")
    for i in nums:
        args[i] = differentiable(args[i], i)
    return args, nums, single


def output_info(graph):
    """(out_shapes, dtype) of a graph: the dtype of its Jacobian (its float outputs' and
    inputs' result type)."""
    shapes = [tuple(o.shape) for o in graph.outputs]
    dtypes = [o.dtype for o in graph.outputs if o.dtype.kind == "f"]
    dtype = np.result_type(*dtypes, *[v.dtype for v in graph.inputs]) if dtypes else \
        np.result_type(*[v.dtype for v in graph.inputs])
    return shapes, dtype


def _widened(a, name):
    """A float16/bfloat16 argument as float32, with a ``PrecisionWarning`` (the dtype rule:
    float32 in, float32 out; narrower floats are computed in float32)."""
    warnings.warn(f"jaccli: {name} has dtype {a.dtype}; it is computed in float32 "
                  "(float16 and bfloat16 rounding would swamp the derivatives).",
                  PrecisionWarning, stacklevel=5)
    return a.astype(np.float32)


def _nested_argument(value, name, xp):
    if xp is not np:
        raise InputError("nested differentiation of device='cuda' is not supported yet: "
                         "differentiate the outer function on the CPU.")
    if value.dtype.kind != "f":
        raise InputError(f"{name} has dtype {value.dtype}; only floating-point inputs "
                         "can be differentiated. Pass it as floats (x.astype(float)) or leave "
                         "it out of argnums.")
    return value


def as_array(a, dtype=None):
    """``a`` as a NumPy array, or as it is when it is an outer trace's Tracer (nested)."""
    if type(a) is Tracer:
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    return np.asarray(a, dtype=dtype)


def trace_call(call, xp=np):
    """Trace the ``FlatCall`` ``call`` (its differentiated leaves already checked). On a GPU
    every NumPy array leaf moves once, and NumPy constants ``f`` creates move as the trace
    meets them."""
    leaves = list(call.leaves)
    if xp is not np:
        leaves = [xp.asarray(a) if isinstance(a, np.ndarray) else a for a in leaves]
    graph, _ = trace_function(call, leaves, call.flat_nums,
                              None if xp is np else xp.asarray)
    return graph


def matching(tree, values, what, of):
    """The leaves of ``values`` (tangents or cotangents), which must have the structure
    ``tree`` (a tuple may stand for a list); an InputError naming the difference otherwise."""
    leaves, given = flatten(values)
    if not tree.same_shape(given, loose=True):
        raise InputError(f"the {what} have the structure {given.describe()}, {of} "
                         f"{tree.describe()}: give one array per leaf, in the same "
                         "containers.")
    return leaves


@functools.lru_cache(maxsize=16)
def _arrays_tree(n):
    """The TreeDef of ``(args, {})`` for ``n`` plain array arguments (built once per n)."""
    return flatten((tuple(range(n)), {}))[1]


class FlatCall:
    """``f(*args, **kwargs)`` as a function of flat leaves (call it with them; it returns
    the tuple of output leaves and records the output's structure in ``out_tree``).

    leaves: every leaf of (args, kwargs), the differentiated ones checked to be float
    arrays; flat_nums: the positions in ``leaves`` of the ``argnums`` arguments' leaves;
    arg_ranges[i]: the positions of argument i's leaves."""

    def __init__(self, f, args, kwargs=None, argnums=0, xp=np):
        self.f = f
        self.__name__ = getattr(f, "__name__", "f")
        self.nums, self.single = argnums_tuple(argnums, len(args))
        if not kwargs and all(type(a) is np.ndarray for a in args):    # the common call
            self.leaves, self.tree = list(args), _arrays_tree(len(args))
        else:
            self.leaves, self.tree = flatten((tuple(args), dict(kwargs or {})))
        self.arg_trees = self.tree.children[0].children
        self._leaf_paths = None
        self.arg_ranges, start = [], 0
        for t in self.arg_trees:
            self.arg_ranges.append(range(start, start + t.num_leaves))
            start += t.num_leaves
        self.flat_nums = tuple(j for i in self.nums for j in self.arg_ranges[i])
        for i in self.nums:
            if not self.arg_ranges[i]:
                raise InputError(f"argument {i} holds no arrays to differentiate (an empty "
                                 f"container: {self.arg_trees[i].describe()}); pass arrays "
                                 "in it or leave it out of argnums.")
        for j in self.flat_nums:
            a = self.leaves[j]
            if xp is not np or type(a) is not np.ndarray or a.dtype.kind != "f" \
                    or a.dtype.itemsize < 4:
                self.leaves[j] = differentiable(a, self.leaf_name(j), xp)
        self.out_tree = None

    @property
    def _paths(self):
        if self._leaf_paths is None:             # only for names: errors, index maps
            self._leaf_paths = self.tree.paths()
        return self._leaf_paths

    def positions(self, argnums):
        """The leaf positions of the arguments ``argnums`` (indices of positional ones)."""
        return tuple(j for i in argnums for j in self.arg_ranges[i])

    def leaf_name(self, j):
        """'argument 1' for a plain argument, "argument 0 at ['W']" for a leaf inside one,
        "keyword argument y" for a keyword's."""
        (_, part), (_, key), *rest = self._paths[j]
        name = f"argument {key}" if part == 0 else f"keyword argument {key}"
        return f"{name} at {render(rest)}" if rest else name

    def in_names(self):
        """The differentiated leaves' names, in column order, as the result of ``jacobian``
        is indexed: the leaf's path in its argument ('' for a plain array) for an int
        ``argnums``, prefixed by the argument's place in a tuple ``argnums`` (``[1]['W']``)."""
        if self.single:
            return [render(self._paths[j][2:]) for j in self.flat_nums]
        return [f"[{k}]" + render(self._paths[j][2:])
                for k, i in enumerate(self.nums) for j in self.arg_ranges[i]]

    def __call__(self, *leaves):
        args, kwargs = self.tree.unflatten(leaves)
        result = self.f(*args, **kwargs)
        if result is None:
            raise TracingError("output 0 of the function is None: did the function forget "
                               "its return statement?")
        out_leaves, self.out_tree = flatten(result, none_is_leaf=True)
        for k, leaf in enumerate(out_leaves):
            if leaf is None:
                path = render(self.out_tree.paths()[k])
                raise TracingError(f"the output at {path} of the function is None, not an "
                                   "array or number.")
        if not out_leaves:
            raise TracingError(f"the function returned no arrays (the empty structure "
                               f"{self.out_tree.describe()}); return at least one array.")
        return tuple(out_leaves)

    def out_names(self):
        """The output leaves' paths ('' for a single array), in row order."""
        return [render(p) for p in self.out_tree.paths()]

    # ---------------------------------------------------------------- results
    def nest(self, get):
        """The differentiated arguments' structure holding ``get(k)`` for the k-th
        differentiated leaf: one pytree for an int ``argnums``, else a tuple of them."""
        parts, pos = [], 0
        for i in self.nums:
            n = self.arg_trees[i].num_leaves
            parts.append(self.arg_trees[i].unflatten([get(pos + q) for q in range(n)]))
            pos += n
        return parts[0] if self.single else tuple(parts)

    def all_arguments(self, values):
        """A tuple over every positional argument, each in its structure (``values``: one
        per positional leaf, in order; the keywords' leaves come after them), as ``vjp`` and
        ``hvp`` return cotangents, which differentiate every positional argument."""
        return tuple(t.unflatten([values[j] for j in r])
                     for t, r in zip(self.arg_trees, self.arg_ranges))

    def jacobian(self, rows):
        """``rows[o][k]``: the block of output leaf o and differentiated leaf k -> the
        result as ``jacobian`` returns it (outputs outside, arguments inside)."""
        return self.out_tree.unflatten([self.nest(lambda k, row=row: row[k]) for row in rows])

    def hessian(self, blocks):
        """``blocks[o][k][l]`` -> outputs outside, then the arguments twice."""
        return self.out_tree.unflatten([
            self.nest(lambda k, b=b: self.nest(lambda m, bk=b[k]: bk[m])) for b in blocks])

    def outputs(self, values):
        return self.out_tree.unflatten(values)
