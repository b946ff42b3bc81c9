"""The recorded graph: a flat list of equations over variables, each with a shape and dtype.

A ``Var`` is one array value inside a traced function. An ``Eqn`` applies one primitive to
inputs that are ``Var``s or constants (plain arrays, folded at trace time) and defines one
output ``Var``. A ``Graph`` lists its input variables, equations in execution order and
outputs. Printed, it reads one equation per line::

    { lambda a:f64[2] ;
      b:f64[1] = getitem[index=(slice(0, 1, None),)] a
      ...
      in (e,) }
"""
import numpy as np


class Var:
    """One array value in the graph. ``shape``/``dtype`` are the *logical* ones: at run time
    the arrays bound to it may carry extra leading (batch) axes."""
    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype
        self.name = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"Var({self.name or '?'}:{_type_str(self.shape, self.dtype)})"


class Eqn:
    """``out = prim(*inputs, **params)``. Inputs are ``Var``s or constant arrays;
    ``in_shapes`` their logical shapes."""
    __slots__ = ("prim", "inputs", "params", "out", "in_shapes", "needs")

    def __init__(self, prim, inputs, params, out, in_shapes):
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.out = out
        self.in_shapes = in_shapes
        # which inputs take a cotangent in reverse mode: the float Vars
        self.needs = tuple([type(v) is Var and v.dtype.kind in "fc" for v in inputs])


class Graph:
    """A traced function. ``inputs``: the Vars of the differentiated arguments;
    ``outputs``: Vars or constants (an output that does not depend on the inputs);
    ``values``: the concrete value of every Var at the traced point;
    ``point_dependent``: why the graph is only valid at this point (control flow that read a
    traced value), empty when it is valid everywhere; ``decisions``: (Var, value) pairs, the
    graph is valid wherever each Var takes its value again; ``verifiable``: False when a value
    was read in a way no decision records."""

    def __init__(self, inputs, eqns, outputs, values, point_dependent, decisions=(),
                 verifiable=True):
        self.inputs = inputs
        self.eqns = eqns
        self.outputs = outputs
        self.values = values
        self.point_dependent = point_dependent
        self.decisions = list(decisions)
        self.verifiable = verifiable
        self.frees = None          # per equation, Vars read there for the last time (sweeps)
        self.sparsity = {}         # wrt -> the Jacobian's pattern and colourings (sparse)

    def __getstate__(self):
        """NOTE: pickling. A graph travels to another process whole: Vars and Eqns by value,
        primitives by name (``jaccli.primitives.by_name``). ``values`` may hold lazy results
        (``builder.Values``: a thunk per Var whose value nobody read yet); they are computed
        here, into the pickled copy only, so the graph unpickles as a plain dict of arrays."""
        state = self.__dict__.copy()
        values = dict(self.values)
        for var, (impl, args, params) in getattr(self.values, "thunks", {}).items():
            values[var] = impl(*args, **params)
        state["values"] = values
        state["frees"] = None
        return state

    def _name_vars(self):
        count = 0
        for v in self.inputs + [e.out for e in self.eqns]:
            v.name = _letters(count)
            count += 1

    def __str__(self):
        self._name_vars()
        ins = " ".join(_decl(v) for v in self.inputs)
        lines = [f"{{ lambda {ins} ;"]
        for e in self.eqns:
            params = ", ".join(f"{k}={_short(p)}" if k != "index" else _index_str(p)
                               for k, p in e.params.items() if k not in _HIDDEN_PARAMS)
            params = f"[{params}]" if params else ""
            args = " ".join(_operand(a) for a in e.inputs)
            lines.append(f"  {_decl(e.out)} = {e.prim.name}{params} {args}")
        outs = ", ".join(_operand(o) for o in self.outputs)
        lines.append(f"  in ({outs},) }}")
        if self.point_dependent:
            lines.append("# valid only at this point: " + "; ".join(self.point_dependent))
        return "\n".join(lines)

    __repr__ = __str__


_HIDDEN_PARAMS = {"adv_first", "adv_ndim", "unique", "region_shape"}


def _index_str(index):
    parts = []
    for k in index:
        if isinstance(k, slice):
            start, stop, step = k.start, k.stop, k.step
            txt = f"{'' if start is None else start}:{'' if stop is None else stop}"
            parts.append(txt + (f":{step}" if step not in (None, 1) else ""))
        elif k is None:
            parts.append("None")
        elif hasattr(k, "shape"):                  # an index array, NumPy or CuPy
            parts.append(f"int{list(k.shape)}")
        else:
            parts.append(str(k))
    return ", ".join(parts)


def _letters(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(97 + r) + s
    return s


def _type_str(shape, dtype):
    short = {"f": "f", "i": "i", "u": "u", "b": "bool"}.get(dtype.kind, dtype.kind)
    bits = "" if dtype.kind == "b" else str(dtype.itemsize * 8)
    return f"{short}{bits}[{','.join(map(str, shape))}]"


def _decl(v):
    return f"{v.name}:{_type_str(v.shape, v.dtype)}"


def _operand(a):
    if isinstance(a, Var):
        return a.name
    a = np.asarray(a)
    if a.ndim == 0:
        return repr(a.item())
    return f"const:{_type_str(a.shape, a.dtype)}"


def _short(p):
    if isinstance(p, np.ndarray):
        return f"array{list(p.shape)}"
    if isinstance(p, tuple):
        return "(" + ", ".join(_short(q) for q in p) + ("," if len(p) == 1 else "") + ")"
    return repr(p)
