"""Indexing primitives: ``getitem`` (x[index]) and ``setitem`` (a copy of x with x[index] = v,
the functional form of item assignment).

``index`` is normalised at trace time (jaccli.numpy_api.indexing): a tuple of ints, slices,
``None`` and integer arrays with non-negative entries, Ellipsis expanded, boolean masks turned
into integer arrays. Leading axes are kept by prefixing ``slice(None)``s.

NOTE: NumPy puts the dimensions of *separated* advanced indices (x[[0, 1], :, [2, 3]]) first;
with leading axes prefixed they would land in front of them. ``adv_first`` marks such an
index and ``_lead_first`` / ``_adv_first`` move those dimensions behind the leading axes.
"""
import numpy as np

from ..backend import copy_array, scatter_add
from ..rules import (eval_as_linear, eval_rules, jvp_rules, lift, primitive, unbroadcast,
                     vjp_rules, zeros)


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


getitem_p = primitive("getitem", _getitem_impl, linear=True)


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
    else:
        scatter_add(z, idx, _adv_first(ct, p, lead))   # repeated indices accumulate
    return (z,)


jvp_rules[getitem_p], vjp_rules[getitem_p] = _getitem_jvp, _getitem_vjp


def _setitem_impl(x, v, index, adv_first, adv_ndim, unique, region_shape):
    out = copy_array(x)
    out[index] = v
    return out


setitem_p = primitive("setitem", _setitem_impl, linear=True)


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
    res[_full(e.params["index"], len(lead))] = _adv_first(v, e.params, len(lead))
    return res


eval_rules[setitem_p] = _setitem_eval
