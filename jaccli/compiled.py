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
from .forward_analysis import forward_needs, known_slot, value_table
from .primitives import elementwise as ew
from .primitives.indexing import getitem_p, setitem_p
from .primitives.shape import reshape_p
from .rules import impl_rules, jvp_rules, lazy_shapes, seed_rules, vjp_rules, zeros

# the family rules of elementwise.py (unary, binary, linear binary), found through members
_FAMILY = {jvp_rules[p]: vjp_rules[p] for p in (ew.sin_p, ew.mul_p, ew.add_p)}
MAX_EQUATIONS = 20000      # larger graphs stay with the interpreter (compiling costs ~20 µs/eqn)


def _same(a, b):
    return a.shape == b.shape and bool((a == b).all())


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
            needed = forward_needs(self.graph, self._slot, seeded, self._decided,
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
            if type(v) is Var and v.dtype.kind in "fc" and tuple(v.shape) != shape:
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
        """The slot of a value of the graph equal to the partial ``d`` at equation ``e``
        (``forward_analysis.known_slot``), or None."""
        if not hasattr(self, "_table"):
            self._table = value_table(self.graph, slot)
        return known_slot(self.graph, e, d, slot, self._table)

    def env(self, values):
        """The values as an interpreter environment: Var -> value."""
        g = self.graph
        return dict(zip(list(g.inputs) + [e.out for e in g.eqns], values))
