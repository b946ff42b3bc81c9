"""A traced graph compiled into straight-line Python: one generated function that evaluates
the graph at a new point (checking its recorded decisions as it goes), one per sweep
direction. Each equation becomes one line calling its rule; no per-equation dispatch, no
dictionaries, no list of Vars to walk. ``jacfun`` compiles a graph when it is reused.

    program = Program(graph)
    values = program.evaluate(inputs)          # None when a recorded decision comes out other
    outs = program.forward(values, tangents, identity)   # as interpret.jvp_sweep
    cts = program.reverse(values, cotangents)            # as interpret.vjp_sweep

NOTE: exact. ``evaluate`` calls each primitive's ``impl`` on the same operands as tracing
did (no leading axes), so a decision Var's value at the traced point is reproduced bit for
bit, and the rules see the values they would see in ``interpret``. Matmul results
(``lazy_shapes``: their rules never read their own output) that no later equation or
decision reads are not computed at all, as ``builder.Values`` leaves them.
"""
import numpy as np

from .interpret import last_uses, seeded
from .ir import Var
from .primitives import elementwise as ew
from .primitives.indexing import getitem_p, setitem_p
from .primitives.linalg import matmul_p
from .primitives.reductions import sum_p
from .primitives.shape import broadcast_p, concatenate_p, reshape_p, transpose_p
from .rules import impl_rules, jvp_rules, lazy_shapes, seed_rules, vjp_rules, zeros

# the family rules of elementwise.py (unary, binary, linear binary), found through members
_FAMILY = {jvp_rules[p]: vjp_rules[p] for p in (ew.sin_p, ew.mul_p, ew.add_p)}
MAX_EQUATIONS = 20000      # larger graphs stay with the interpreter (compiling costs ~20 µs/eqn)


def _same(a, b):
    return a.shape == b.shape and bool((a == b).all())


# Primitives whose JVP reads no float value (only the tangents and, for an index, integer
# operands): a forward sweep needs no primal value for them.
_READS_NO_FLOATS = {ew.add_p, ew.sub_p, ew.neg_p, getitem_p, setitem_p, reshape_p, transpose_p,
                    broadcast_p, concatenate_p, sum_p}


_SYM_OPS = {ew.mul_p: "mul", ew.add_p: "add", ew.sub_p: "sub", ew.div_p: "div", ew.neg_p: "neg"}


def _operand_key(x):
    """A constant's key: its type and repr (-0.0 is not 0.0), for Python numbers only."""
    if type(x) in (float, int):
        return ("c", type(x), repr(x))
    raise TypeError("not a Python number")


class _Sym:
    """A graph value standing for a partial derivative's operand at compile time: running a
    partial (``lambda x, y: 1.0 - y * y``) on _Syms spells it out with + - * / and unary -,
    each step looked up among the graph's own equations (``table``: key -> slot). Any other
    operation (np.cos, a comparison) raises, and the partial is left to run as it is."""
    __slots__ = ("key",)
    __array_ufunc__ = None
    table = {}

    def __init__(self, key):
        self.key = key

    def _op(name, *xs):
        key = (name,) + tuple(x.key if type(x) is _Sym else _operand_key(x) for x in xs)
        slot = _Sym.table.get(key)
        return _Sym(key if slot is None else ("v", slot))

    __mul__ = lambda a, b: _Sym._op("mul", a, b)                     # noqa: E731
    __rmul__ = lambda a, b: _Sym._op("mul", b, a)                    # noqa: E731
    __add__ = lambda a, b: _Sym._op("add", a, b)                     # noqa: E731
    __radd__ = lambda a, b: _Sym._op("add", b, a)                    # noqa: E731
    __sub__ = lambda a, b: _Sym._op("sub", a, b)                     # noqa: E731
    __rsub__ = lambda a, b: _Sym._op("sub", b, a)                    # noqa: E731
    __truediv__ = lambda a, b: _Sym._op("div", a, b)                 # noqa: E731
    __rtruediv__ = lambda a, b: _Sym._op("div", b, a)                # noqa: E731
    __neg__ = lambda a: _Sym._op("neg", a)                           # noqa: E731

    def _refuse(self, *other):
        raise TypeError("a partial that compares or branches on values is not spelled out")

    __bool__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __hash__ = None


def _value_table(graph, slot):
    """key -> slot of every + - * / and negation in ``graph`` on Vars and Python numbers."""
    table = {}
    for e in graph.eqns:
        name = _SYM_OPS.get(e.prim)
        if name is None or e.params:
            continue
        try:
            key = (name,) + tuple(("v", slot[id(v)]) if type(v) is Var else _operand_key(v)
                                  for v in e.inputs)
        except TypeError:
            continue
        table.setdefault(key, slot[id(e.out)])
    return table


def _forward_needs(graph, slot, seeded, decided, reused=None):
    """The slots whose values a forward sweep seeded on the inputs ``seeded`` reads (its
    rules' operands and outputs; a matmul reads only the operand across from a live
    tangent), those the decisions check, and everything these are computed from."""
    live = {slot[id(graph.inputs[k])] for k in seeded}
    needed = set(decided)
    for e in graph.eqns:
        ins = [(slot[id(v)], v) if type(v) is Var else (None, v) for v in e.inputs]
        hot = [s in live for s, _ in ins]
        if not any(hot):
            continue
        s_out = slot[id(e.out)]
        live.add(s_out)
        if e.prim in _READS_NO_FLOATS:
            needed.update(s for s, v in ins if s is not None and v.dtype.kind != "f")
        elif e.prim is matmul_p and len(ins) == 2:
            needed.update(ins[1 - j][0] for j in range(2) if hot[j] and ins[1 - j][0] is not None)
        elif e.prim is ew.mul_p:                  # its partials: the operands, not the product
            needed.update(s for s, _ in ins if s is not None)
        else:
            needed.update(s for s, _ in ins if s is not None)
            needed.add(s_out)
        needed.update((reused or {}).get(s_out, ()))
    for e in reversed(graph.eqns):
        if slot[id(e.out)] in needed:
            needed.update(slot[id(v)] for v in e.inputs if type(v) is Var)
    return needed


class Program:
    """The straight-line program of ``graph``: ``evaluate``, ``forward``, ``reverse``."""

    def __init__(self, graph):
        self.graph = graph
        slot = {}
        for k, v in enumerate(graph.inputs):
            slot[id(v)] = k
        for k, e in enumerate(graph.eqns):
            slot[id(e.out)] = len(graph.inputs) + k
        self.size = len(slot)
        self.source = {}           # name -> the generated source, for reading
        ns = {"_same": _same, "_seeded": seeded}
        self._ns = ns
        read = set()
        for e in graph.eqns:
            read.update(slot[id(v)] for v in e.inputs if type(v) is Var)
        decided = {}
        for j, (var, value) in enumerate(graph.decisions):
            decided.setdefault(slot[id(var)], []).append(j)
            ns[f"D{j}"] = np.asarray(value)
        self._operands = {}
        lines = self._evaluate_source(slot, read, decided, ns)
        self.evaluate = self._compile("evaluate", lines)
        self._slot, self._read, self._decided = slot, read, decided
        self._for_forward = {}
        self._reused = {}          # out slot -> slots a forward partial reads instead

    def evaluate_for_forward(self, seeded):
        """``evaluate`` computing only the values a forward sweep whose tangents are seeded
        on the graph inputs ``seeded`` (indices) reads, and those its decisions need (the
        others are None): a sweep's linear tail -- the last ``X.T @ ct`` of a gradient graph,
        its reshapes and setitems -- is never computed when only its tangent is wanted."""
        seeded = tuple(sorted(seeded))
        if seeded not in self._for_forward:
            self.forward                      # generated first: it says what it reuses
            needed = _forward_needs(self.graph, self._slot, seeded, self._decided,
                                    self._reused)
            name = f"evaluate_f{len(self._for_forward)}"
            lines = self._evaluate_source(self._slot, self._read, self._decided, self._ns,
                                          needed, name)
            self._for_forward[seeded] = self._compile(name, lines)
        return self._for_forward[seeded]

    # A sweep direction is generated and compiled when first used (compile() costs ~0.4 ms a
    # function even for a small graph; most paths are swept in one direction only).
    @property
    def forward(self):
        if "forward" not in self.source:
            self._forward = self._compile("forward", self._forward_source(self._slot))
        return self._forward

    @property
    def reverse(self):
        if "reverse" not in self.source:
            self._reverse = self._compile("reverse", self._reverse_source(self._slot))
        return self._reverse

    def _compile(self, name, lines):
        src = "\n".join(lines)
        self.source[name] = src
        code = compile(src, f"<jaccli program: {name}>", "exec")
        exec(code, self._ns)
        return self._ns[name]

    def _operand(self, v, slot, k, j):
        """Source text of input ``j`` of equation ``k``: a slot variable or a constant."""
        if type(v) is Var:
            return f"v{slot[id(v)]}"
        name = f"K{k}_{j}"
        self._ns[name] = v
        return name

    def _args(self, e, slot, k):
        return [self._operand(v, slot, k, j) for j, v in enumerate(e.inputs)]

    def _evaluate_source(self, slot, read, decided, ns, needed=None, name="evaluate"):
        n_in = len(self.graph.inputs)
        lines = [f"def {name}(inputs):",
                 f"    ({''.join(f'v{k}, ' for k in range(n_in))}) = inputs"]
        for k, e in enumerate(self.graph.eqns):
            s = n_in + k
            ns[f"I{k}"] = impl_rules[e.prim]
            args = ", ".join(self._args(e, slot, k))
            if e.params:
                ns[f"P{k}"] = e.params
                args += f", **P{k}"
            if needed is not None and s not in needed or \
                    e.prim in lazy_shapes and s not in read and s not in decided:
                lines.append(f"    v{s} = None")
                continue
            lines.append(f"    v{s} = I{k}({args})")
            for j in decided.get(s, ()):
                lines.append(f"    if not _same(v{s}, D{j}): return None")
        lines.append(f"    return [{', '.join(f'v{k}' for k in range(self.size))}]")
        return lines

    def _unpack(self):
        return f"    ({''.join(f'v{k}, ' for k in range(self.size))}) = values"

    def _forward_source(self, slot):
        g = self.graph
        n_in = len(g.inputs)
        frees = last_uses(g)
        reach = {slot[id(o)] for o in g.outputs if type(o) is Var}
        for e in reversed(g.eqns):
            if slot[id(e.out)] in reach:
                reach.update(slot[id(v)] for v in e.inputs if type(v) is Var)
        lines = ["def forward(values, tangents, identity):", self._unpack(),
                 f"    ({''.join(f't{k}, ' for k in range(n_in))}) = tangents"]
        if g.eqns:
            lines.append("    " + " = ".join(f"t{n_in + k}" for k in range(len(g.eqns)))
                         + " = None")
        for k, e in enumerate(g.eqns):
            s = n_in + k
            self._ns[f"E{k}"] = e
            self._ns[f"J{k}"] = jvp_rules[e.prim]
            xs = "[" + ", ".join(self._args(e, slot, k)) + "]"
            ts = [f"t{slot[id(v)]}" if type(v) is Var else "None" for v in e.inputs]
            live = [t for t in ts if t != "None"]
            if not live:
                continue
            if s not in reach:               # no output depends on it: no tangent
                continue
            lines.append(f"    if {' is not None or '.join(live)} is not None:")
            fast = self._elementwise(e, k, slot, lifted=True)
            linear = self._view(e, k, ts)
            scatter = self._scatter(e, k, ts)
            if linear is not None:
                lines.append(f"        t{s} = {linear}")
            elif scatter is not None:
                lines += [f"        {line}" for line in scatter] + [f"        t{s} = t"]
            elif e.prim is ew.mul_p and type(e.inputs[0]) is Var and \
                    e.inputs[0] is e.inputs[1] and fast is not None:
                # x * x: the two terms t * x and t * x are one product, added to itself
                lines.append(f"        t = {ts[0]} * {self._args(e, slot, k)[0]}")
                lines.append(f"        t{s} = t + t")
            elif fast is not None:
                terms = [term for t, term in zip(ts, fast[0]) if t != "None"]
                lines += [f"        t{s} = None"] + [
                    f"        if {t} is not None: t{s} = {term} if t{s} is None else "
                    f"t{s} {'-' if term.startswith('-') else '+'} {term.lstrip('-')}"
                    for t, term in zip(ts, fast[0]) if t != "None"]
                if len(terms) == 1:        # one live input: no need for the checks
                    lines[-2:] = [f"        t{s} = {terms[0]}"]
            elif e.prim in seed_rules and any(type(v) is Var and slot[id(v)] < n_in
                                            for v in e.inputs):
                lines.append(f"        ts = [{', '.join(ts)}]")
                lines.append(f"        t = _seeded(E{k}, {xs}, ts, identity) if identity "
                             "else None")
                lines.append(f"        t{s} = J{k}(E{k}, {xs}, v{s}, ts) if t is None else t")
            else:
                lines.append(f"        ts = [{', '.join(ts)}]")
                lines.append(f"        t{s} = J{k}(E{k}, {xs}, v{s}, ts)")
            dead = [f"t{slot[id(v)]}" for v in frees[k]]
            if dead:
                lines.append(f"    {' = '.join(dead)} = None")
        outs = ", ".join(f"t{slot[id(o)]}" if type(o) is Var else "None" for o in g.outputs)
        lines.append(f"    return [{outs}]")
        return lines

    def _reverse_source(self, slot):
        g = self.graph
        lines = ["def reverse(values, cotangents):", self._unpack()]
        lines.append("    " + " = ".join(f"c{k}" for k in range(self.size)) + " = None")
        for j, o in enumerate(g.outputs):
            if type(o) is Var:
                c = f"c{slot[id(o)]}"
                lines.append(f"    ct = cotangents[{j}]")
                lines.append(f"    if ct is not None: {c} = ct if {c} is None else {c} + ct")
        for k in reversed(range(len(g.eqns))):
            e = g.eqns[k]
            if not any(e.needs):
                continue
            s = len(g.inputs) + k
            self._ns[f"E{k}"] = e
            self._ns[f"R{k}"] = vjp_rules[e.prim]
            self._ns[f"N{k}"] = e.needs
            xs = "[" + ", ".join(self._args(e, slot, k)) + "]"
            lines.append(f"    if c{s} is not None:")
            fast = self._elementwise(e, k, slot)
            if fast is None:
                lines.append(f"        r = R{k}(E{k}, {xs}, v{s}, c{s}, N{k})")
            else:
                lines.append(f"        r = ({''.join(f'{ct}, ' for ct in fast[1])})")
            lines.append(f"        c{s} = None")
            for j, (v, need) in enumerate(zip(e.inputs, e.needs)):
                if need:
                    c = f"c{slot[id(v)]}"
                    lines.append(f"        ct = r[{j}]")
                    lines.append(f"        if ct is not None: {c} = ct if {c} is None "
                                 f"else {c} + ct")
        lines.append(f"    return [{', '.join(f'c{k}' for k in range(len(g.inputs)))}]")
        return lines

    def _view(self, e, k, ts):
        """Source of the tangent of a reshape, or of a getitem with a basic index (ints,
        slices, None), for any leading axes: the rule's result without the rule's call. None
        for any other equation."""
        p, (shape,) = e.prim, e.in_shapes[:1]
        if p is reshape_p:
            self._ns[f"S{k}"] = tuple(e.params["shape"])
            t = ts[0]
            return f"{t}.reshape({t}.shape[:{t}.ndim - {len(shape)}] + S{k})"
        if p is not getitem_p or e.params["adv_ndim"] or e.params["adv_first"]:
            return None
        index = e.params["index"]
        if not all(i is None or type(i) in (int, slice) for i in index):
            return None
        used = sum(i is not None for i in index)
        self._ns[f"X{k}"] = (Ellipsis,) + tuple(index) + (slice(None),) * (len(shape) - used)
        return f"{ts[0]}[X{k}]"

    def _scatter(self, e, k, ts):
        """Source lines leaving in ``t`` the tangent of a setitem into a constant with a basic
        index and a value of the region's shape: zeros with the value's tangent written in
        (the rule's result without its broadcasts), for any leading axes; None otherwise."""
        p = e.params if e.prim is setitem_p else None
        if p is None or type(e.inputs[0]) is Var or type(e.inputs[1]) is not Var or \
                p["adv_ndim"] or p["adv_first"] or \
                tuple(e.in_shapes[1]) != tuple(p["region_shape"]) or \
                not all(i is None or type(i) in (int, slice) for i in p["index"]):
            return None
        sx, index = tuple(e.in_shapes[0]), p["index"]
        used = sum(i is not None for i in index)
        self._ns[f"X{k}"] = (Ellipsis,) + tuple(index) + (slice(None),) * (len(sx) - used)
        self._ns[f"B{k}"], self._ns["_zeros"] = sx, zeros
        tv, rank = ts[1], len(e.in_shapes[1])
        return [f"t = _zeros({tv}, {tv}.shape[:{tv}.ndim - {rank}] + B{k})",
                f"t[X{k}] = {tv}"]

    def _elementwise(self, e, k, slot, lifted=False):
        """(tangent terms, cotangents) as source for an elementwise equation of the family
        rules whose differentiated inputs have the output's shape (nothing to broadcast or
        sum back), per input: ``t * d`` and ``ct * d`` with ``d`` its partial derivative;
        None for any other equation (its rule runs). ``lifted`` (the tangent terms only):
        an input whose shape is the output's with leading unit axes dropped ((n,) into
        (1, n)) counts too, its tangent reshaped to the output's shape behind its leading
        axes (the rule's ``lift``)."""
        p = e.prim
        if jvp_rules[p] not in _FAMILY or vjp_rules[p] is not _FAMILY[jvp_rules[p]]:
            return None
        shape = tuple(e.out.shape)
        ts = [f"t{slot[id(v)]}" if type(v) is Var else None for v in e.inputs]
        for i, v in enumerate(e.inputs):
            if type(v) is Var and v.dtype.kind == "f" and tuple(v.shape) != shape:
                vs = tuple(v.shape)
                if not lifted or len(vs) >= len(shape) or shape[len(shape) - len(vs):] != vs \
                        or any(d != 1 for d in shape[:len(shape) - len(vs)]):
                    return None
                self._ns[f"O{k}"] = shape
                t = ts[i]
                ts[i] = f"{t}.reshape({t}.shape[:{t}.ndim - {len(vs)}] + O{k})"
        args = self._args(e, slot, k)
        out = f"v{len(self.graph.inputs) + k}"
        terms, cts = [], []
        for i, d in enumerate(p.partials):
            if isinstance(d, float):
                d_src = None if d == 1.0 else ("-" if d == -1.0 else repr(d))
            elif lifted and self._known(e, d, slot) is not None:
                known = self._known(e, d, slot)           # a value the graph has already
                d_src = f"v{known}"
                self._reused.setdefault(slot[id(e.out)], set()).add(known)
            else:
                self._ns[f"Q{k}_{i}"] = d
                d_src = f"Q{k}_{i}({', '.join(args)}, {out})"
            if d_src is None:
                terms.append(ts[i]), cts.append(f"c{len(self.graph.inputs) + k}")
            elif d_src == "-":
                terms.append(f"-{ts[i]}"), cts.append(f"-c{len(self.graph.inputs) + k}")
            else:
                terms.append(f"{ts[i]} * {d_src}")
                cts.append(f"c{len(self.graph.inputs) + k} * {d_src}")
        cts = [ct if need else "None" for ct, need in zip(cts, e.needs)]
        return terms, cts

    def _known(self, e, d, slot):
        """The slot of a value of the graph equal, bit for bit, to the partial ``d`` at
        equation ``e`` (tanh's 1 - y * y, which its traced VJP has computed; a product's
        other operand), or None."""
        if any(type(v) is not Var for v in e.inputs):
            return None                     # constants are operands the table cannot name
        if not hasattr(self, "_table"):
            self._table = _value_table(self.graph, slot)
        syms = [_Sym(("v", slot[id(v)])) for v in e.inputs] + [_Sym(("v", slot[id(e.out)]))]
        _Sym.table = self._table
        try:
            got = d(*syms)
        except Exception:                   # an operation _Sym does not spell: not known
            return None
        finally:
            _Sym.table = {}
        if type(got) is _Sym and got.key[0] == "v":
            return got.key[1]
        return None

    def env(self, values):
        """The values as an interpreter environment: Var -> value."""
        g = self.graph
        return dict(zip(list(g.inputs) + [e.out for e in g.eqns], values))
