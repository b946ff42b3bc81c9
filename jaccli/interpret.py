"""Interpreters over a traced graph: batched forward (JVP) and reverse (VJP) sweeps, and
plain evaluation.

Tangents and cotangents carry any number of leading axes (K seeds, B points); ``None`` stands
for a zero that is never materialised. A sweep is one pass over the equations, each a handful
of array calls for all seeds at once.
"""

from .ir import Var
from .lazy_tangents import LAZY_RULES, LINE_RULES, LINE_SEEDS, applies, written
from .rules import ZERO, eval_rule, jvp_rules, seed_passes, seed_rules, vjp_rules


def _last_uses(graph):
    """For each equation index, the Vars read for the last time there (outputs excluded)."""
    keep = {id(o) for o in graph.outputs if isinstance(o, Var)}
    last = {}
    for i, e in enumerate(graph.eqns):
        for v in e.inputs:
            if type(v) is Var:
                last[id(v)] = (i, v)
    frees = [[] for _ in graph.eqns]
    for k, (i, v) in last.items():
        if k not in keep:
            frees[i].append(v)
    return frees


def jvp_sweep(graph, env, input_tangents, identity=None):
    """Push tangents of the graph inputs (arrays or None) forward.

    ``env`` maps every Var to its primal value. ``identity`` optionally maps an input Var to
    (start, stop) when its tangent is rows start:stop of the identity (a seed chunk): an
    equation reading it directly may then use its ``seed_rules`` entry, which skips the
    product with the identity (W @ I is W); ``seed_passes`` carry that knowledge through
    slices and reshapes (and give a zero tangent where a chunk's seeds miss a slice).
    Chains of elementwise equations on large NumPy tangents, and matmuls with seeded weight
    matrices, stay lazy (``lazy_tangents``) until a rule reads them. Returns one tangent
    (or None) per output."""
    tangents = {v: t for v, t in zip(graph.inputs, input_tangents) if t is not None}
    if graph.frees is None:
        graph.frees = _last_uses(graph)
    for e, dead in zip(graph.eqns, graph.frees):
        ts = [tangents.get(v) if type(v) is Var else None for v in e.inputs]
        if identity and e.prim in seed_passes and type(e.inputs[0]) is Var and \
                e.inputs[0] in identity:
            ts, identity = _passed(e, ts, identity)
        if any(t is not None for t in ts):
            t = _tangent(e, [env[v] if type(v) is Var else v for v in e.inputs],
                         env.get(e.out), ts, identity)
            if t is not None:
                tangents[e.out] = t
        for v in dead:
            tangents.pop(v, None)
    return [written(tangents.get(o)) if type(o) is Var else None for o in graph.outputs]


def _passed(e, ts, identity):
    """(ts, identity) after the seed pass of ``e``: no tangents where no seed of the chunk
    reaches its output; its output's own identity rows added where it has them."""
    rows = seed_passes[e.prim](e, *identity[e.inputs[0]])
    if rows is ZERO:
        return (), identity
    if rows is not None:
        identity = dict(identity)
        identity[e.out] = rows
    return ts, identity


def _tangent(e, xs, out, ts, identity):
    """The tangent of ``e``'s output: a lazy rule's where one applies, else a seed rule's,
    else the JVP rule's on the written-out tangents."""
    rule = jvp_rules[e.prim]
    lazy = LAZY_RULES.get(rule)
    if lazy is not None and applies(e, xs, ts):
        return lazy(e, xs, out, ts)
    t = None
    if e.prim in LINE_RULES:
        t = LINE_RULES[e.prim](e, xs, out, ts)
    if t is None and identity and e.prim in LINE_SEEDS:
        t = _seeded(e, xs, ts, identity, LINE_SEEDS)
    if t is not None:
        return t
    ts = [written(t) for t in ts]
    if identity and e.prim in seed_rules:
        t = _seeded(e, xs, ts, identity)
    return rule(e, xs, out, ts) if t is None else t


def _seeded(e, xs, ts, identity, rules=seed_rules):
    """The seed rule's tangent when exactly one input carries a tangent and it is a raw
    identity seed; None when the rule does not apply."""
    live = [i for i, t in enumerate(ts) if t is not None]
    if len(live) != 1 or e.inputs[live[0]] not in identity:
        return None
    start, stop = identity[e.inputs[live[0]]]
    return rules[e.prim](e, xs, live[0], start, stop)


# for programs compiled from a graph (jaccli.compiled), which follow jvp_sweep line by line
last_uses, seeded = _last_uses, _seeded


def vjp_sweep(graph, env, output_cotangents):
    """Pull cotangents of the outputs (arrays or None) back. Returns one per graph input."""
    cts = {}

    def accumulate(v, c):
        old = cts.get(v)
        cts[v] = c if old is None else old + c

    for o, c in zip(graph.outputs, output_cotangents):
        if type(o) is Var and c is not None:
            accumulate(o, c)
    for e in reversed(graph.eqns):
        ct = cts.pop(e.out, None)
        if ct is None:
            continue
        needs = e.needs
        if not any(needs):
            continue
        xs = [env[v] if type(v) is Var else v for v in e.inputs]
        for v, c, need in zip(e.inputs, vjp_rules[e.prim](e, xs, env.get(e.out), ct, needs),
                              needs):
            if need and c is not None:
                accumulate(v, c)
    return [cts.get(v) for v in graph.inputs]


def evaluate(graph, inputs):
    """Evaluate the graph on new input values, each with the same leading (point) axes in
    front of its logical shape. Returns the environment: every Var's value."""
    env = dict(zip(graph.inputs, inputs))
    for e in graph.eqns:
        env[e.out] = eval_rule(e.prim)(e, [env[v] if type(v) is Var else v for v in e.inputs])
    return env
