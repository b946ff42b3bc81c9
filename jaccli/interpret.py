"""Interpreters over a traced graph: batched forward (JVP) and reverse (VJP) sweeps, and
plain evaluation.

Tangents and cotangents carry any number of leading axes (K seeds, B points); ``None`` stands
for a zero that is never materialised. A sweep is one pass over the equations, each a handful
of array calls for all seeds at once.
"""

from .ir import Var
from .lazy_tangents import LAZY_RULES, LINE_SEEDS, applies, written
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
    slices (a zero tangent where a chunk's seeds miss the slice). Chains of elementwise equations on large NumPy
    tangents are kept lazy (``lazy_tangents``) until another rule reads them. Returns one
    tangent (or None) per output."""
    tangents = {v: t for v, t in zip(graph.inputs, input_tangents) if t is not None}
    if graph.frees is None:
        graph.frees = _last_uses(graph)
    frees = graph.frees
    for e, dead in zip(graph.eqns, frees):
        ts = [tangents.get(v) if type(v) is Var else None for v in e.inputs]
        rows = None
        if identity and e.prim in seed_passes and type(e.inputs[0]) is Var and \
                e.inputs[0] in identity:
            rows = seed_passes[e.prim](e, *identity[e.inputs[0]])
            if rows is ZERO:                # no seed of this chunk reaches it
                ts = ()
            elif rows is not None:          # out's tangent: rows of its own identity
                identity = dict(identity)
                identity[e.out] = rows
        if any(t is not None for t in ts):
            xs = [env[v] if type(v) is Var else v for v in e.inputs]
            t = None
            rule = jvp_rules[e.prim]
            lazy = LAZY_RULES.get(rule)
            if lazy is not None and applies(e, xs, ts):
                t = lazy(e, xs, env.get(e.out), ts)
            else:
                if identity and e.prim in LINE_SEEDS:
                    t = _seeded(e, xs, ts, identity, LINE_SEEDS)
                ts = [written(t) for t in ts]
                if t is None and identity and e.prim in seed_rules:
                    t = _seeded(e, xs, ts, identity)
                if t is None:
                    t = rule(e, xs, env.get(e.out), ts)
            if t is not None:
                tangents[e.out] = t
        for v in dead:
            tangents.pop(v, None)
    return [written(tangents.get(o)) if type(o) is Var else None for o in graph.outputs]


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
