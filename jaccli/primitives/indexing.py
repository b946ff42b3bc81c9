"""Indexing primitives: ``getitem`` (x[index]), ``setitem`` (a copy of x with x[index] = v, the
functional form of item assignment) and ``scatter_add`` (a copy of x with v added at index,
repeated indices accumulating: np.add.at; getitem's VJP, recorded when that VJP is traced).

``index`` is normalised at trace time (jaccli.numpy_api.indexing): a tuple of ints, slices,
``None`` and integer arrays with non-negative entries, Ellipsis expanded, boolean masks turned
into integer arrays. Leading axes are kept by prefixing ``slice(None)``s.

NOTE: NumPy puts the dimensions of *separated* advanced indices (x[[0, 1], :, [2, 3]]) first;
with leading axes prefixed they would land in front of them. ``adv_first`` marks such an
index and ``_lead_first`` / ``_adv_first`` move those dimensions behind the leading axes.
"""
import numpy as np

from .. import backend
from ..backend import copy_array
from ..rules import (ZERO, eval_as_linear, eval_rules, jvp_rules, lead_shape, lift, primitive,
                     seed_passes, unbroadcast, vjp_rules, writable_for, zeros)


def _full(index, lead):
    return (slice(None),) * lead + index if lead else index


def _lead_first(a, p, lead):
    """Result of a prefixed advanced index -> leading axes first."""
    if not (p["adv_first"] and lead):
        return a
    k = p["adv_ndim"]
    return np.moveaxis(a, tuple(range(k)), tuple(range(lead, lead + k)))


def _adv_first(a, p, lead):
    """Inverse of ``_lead_first``: the layout NumPy expects on the left of ``z[index] = a``."""
    if not (p["adv_first"] and lead):
        return a
    k = p["adv_ndim"]
    return np.moveaxis(a, tuple(range(lead, lead + k)), tuple(range(k)))


def _getitem_impl(x, index, adv_first, adv_ndim, unique):
    return x[index]


getitem_p = primitive("getitem", _getitem_impl, "gather")


def _getitem_jvp(e, xs, out, ts):
    t, p = ts[0], e.params
    lead = t.ndim - len(e.in_shapes[0])
    return _lead_first(t[_full(p["index"], lead)], p, lead)


def _getitem_vjp(e, xs, out, ct, needs):
    p = e.params
    lead = ct.ndim - len(e.out.shape)
    z = zeros(ct, ct.shape[:lead] + e.in_shapes[0])
    idx = _full(p["index"], lead)
    if p["unique"]:
        z[idx] = _adv_first(ct, p, lead)
    else:                                               # repeated indices accumulate
        z = scatter_add(z, idx, _adv_first(ct, p, lead), p)
    return (z,)


jvp_rules[getitem_p], vjp_rules[getitem_p] = _getitem_jvp, _getitem_vjp


def _getitem_seed_pass(e, start, stop):
    """x[lo:hi] of a vector seeded with identity rows start:stop: a zero tangent when the rows
    miss lo:hi (a Hessian's chunk of seeds on the other parameters' block), the slice's own
    identity rows when they lie inside it; None otherwise."""
    index, shape = e.params["index"], e.in_shapes[0]
    if len(index) != 1 or type(index[0]) is not slice or len(shape) != 1 or \
            index[0].step not in (None, 1):
        return None
    lo, hi, _ = index[0].indices(shape[0])
    if stop <= lo or start >= hi:
        return ZERO
    return (start - lo, stop - lo) if lo <= start and stop <= hi else None


seed_passes[getitem_p] = _getitem_seed_pass


def _setitem_impl(x, v, index, adv_first, adv_ndim, unique, region_shape):
    out = writable_for(copy_array(x), v)       # v an outer trace's Tracer: nested traces
    out[index] = v
    return out


setitem_p = primitive("setitem", _setitem_impl, "scatter")


def _setitem_jvp(e, xs, out, ts):
    p = e.params
    (sx, sv), (tx, tv) = e.in_shapes, ts
    ref, rank = (tx, len(sx)) if tx is not None else (tv, len(sv))
    lead = ref.shape[:ref.ndim - rank]
    if tx is not None:
        res = copy_array(np.broadcast_to(tx, lead + sx))
    else:
        res = zeros(tv, lead + sx)
    idx = _full(p["index"], len(lead))
    if tv is None:
        res[idx] = 0.0
    else:
        region = p["region_shape"]
        tv = np.broadcast_to(lift(tv, len(sv), len(region)), lead + region)
        res = writable_for(res, tv)            # constant seeds, traced tv: a Hessian's sweep
        res[idx] = _adv_first(tv, p, len(lead))
    return res


def _setitem_vjp(e, xs, out, ct, needs):
    p = e.params
    lead = ct.ndim - len(e.out.shape)
    idx = _full(p["index"], lead)
    ctx = ctv = None
    if needs[0]:
        ctx = copy_array(ct)
        ctx[idx] = 0.0
    if needs[1]:
        ctv = unbroadcast(_lead_first(ct[idx], p, lead), e.in_shapes[1], p["region_shape"])
    return ctx, ctv


jvp_rules[setitem_p], vjp_rules[setitem_p] = _setitem_jvp, _setitem_vjp


# ---------------------------------------------------------------- evaluation with leading axes

eval_as_linear(getitem_p)


def _setitem_eval(e, xs):
    (sx, sv), (x, v) = e.in_shapes, xs
    ref, rank = (x, len(sx)) if x.ndim > len(sx) else (v, len(sv))
    lead = ref.shape[:ref.ndim - rank]
    res = copy_array(np.broadcast_to(x, lead + sx))
    region = e.params["region_shape"]
    v = np.broadcast_to(lift(v if hasattr(v, "ndim") else np.asarray(v), len(sv), len(region)),
                        lead + region)
    res = writable_for(res, v)
    res[_full(e.params["index"], len(lead))] = _adv_first(v, e.params, len(lead))
    return res


eval_rules[setitem_p] = _setitem_eval


# ---------------------------------------------------------------- scatter_add
# out = x with v added into x[index]; v has the region's shape in NumPy's layout (the advanced
# dimensions first for a separated advanced index). Linear: tangents scatter the same way,
# the cotangent of x is ct, that of v the gather ct[index].

def _scatter_add_impl(x, v, index, adv_first, adv_ndim):
    out = writable_for(copy_array(x), v)       # (nested traces: x or v an outer Tracer)
    return scatter_add(out, index, v, {"adv_first": adv_first, "adv_ndim": adv_ndim})


scatter_add_p = primitive("scatter_add", _scatter_add_impl, "scatter")


def scatter_add(z, index, v, p):
    """``z[index] += v`` with repeated indices accumulating: in place into a scratch array
    ``z``, or recorded as a scatter_add when the rule is traced again (z a Tracer)."""
    if type(z) is np.ndarray or backend.on_gpu(z):
        backend.scatter_add(z, index, v)
        return z
    from ..tracer import bind
    return bind(scatter_add_p, z, v, index=index, adv_first=p["adv_first"],
                adv_ndim=p["adv_ndim"])


def _scatter_add_lead(e, xs):
    """The leading axes of a scatter_add's operands (those of the one that has most)."""
    (sx, sv), (x, v) = e.in_shapes, xs
    return lead_shape(x, sx) if x.ndim - len(sx) >= v.ndim - len(sv) else lead_shape(v, sv)


def _scatter_add_eval(e, xs):
    (sx, sv), (x, v), p = e.in_shapes, xs, e.params
    lead = _scatter_add_lead(e, xs)
    res = copy_array(np.broadcast_to(x, lead + sx))
    v = _adv_first(np.broadcast_to(v, lead + sv), p, len(lead))
    return scatter_add(writable_for(res, v), _full(p["index"], len(lead)), v, p)


def _scatter_add_jvp(e, xs, out, ts):
    (sx, sv), (tx, tv), p = e.in_shapes, ts, e.params
    if tv is None:
        return np.broadcast_to(tx, lead_shape(tx, sx) + sx)
    lead = lead_shape(tv, sv) if tx is None else _scatter_add_lead(e, ts)
    res = zeros(tv, lead + sx) if tx is None else copy_array(np.broadcast_to(tx, lead + sx))
    tv = _adv_first(np.broadcast_to(tv, lead + sv), p, len(lead))
    return scatter_add(writable_for(res, tv), _full(p["index"], len(lead)), tv, p)


def _scatter_add_vjp(e, xs, out, ct, needs):
    p = e.params
    lead = ct.ndim - len(e.out.shape)
    ctv = _lead_first(ct[_full(p["index"], lead)], p, lead) if needs[1] else None
    return (ct if needs[0] else None), ctv


eval_rules[scatter_add_p] = _scatter_add_eval
jvp_rules[scatter_add_p], vjp_rules[scatter_add_p] = _scatter_add_jvp, _scatter_add_vjp
