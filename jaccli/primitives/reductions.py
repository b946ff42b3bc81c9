"""Reductions and scans: sum, max/min, prod, cumsum, cumprod.

Axes are stored as sorted non-negative *logical* axes and applied from the end of each array,
so the same rule serves any number of leading (seed / point) axes.
"""
import numpy as np

from ..backend import xp_of
from ..rules import (defnondiff, eval_on_trailing_axes, eval_rules, from_end, jvp_rules, primitive,
                     vjp_rules)


def _expand_back(ct, e):
    """A reduced cotangent (or output) broadcast back to the input's logical shape."""
    (shape,) = e.in_shapes
    axes, keepdims = e.params["axes"], e.params["keepdims"]
    r = len(shape)
    if not keepdims:
        ct = np.expand_dims(ct, from_end(axes, r))
    lead = ct.ndim - r
    return np.broadcast_to(ct, ct.shape[:lead] + tuple(shape))


# ---------------------------------------------------------------- sum (linear)

sum_p = primitive("sum", lambda x, axes, keepdims: np.sum(x, axis=axes, keepdims=keepdims),
                  "reduction", monoid=np.add)
jvp_rules[sum_p] = lambda e, xs, out, ts: ts[0].sum(
    axis=from_end(e.params["axes"], len(e.in_shapes[0])), keepdims=e.params["keepdims"])
vjp_rules[sum_p] = lambda e, xs, out, ct, needs: (_expand_back(ct, e),)


# ---------------------------------------------------------------- max / min
# NOTE: ties. Where several entries attain the max, the derivative is split equally among
# them (each gets 1/count), which is the mean of the one-sided derivatives.

def _tie_weights(e, x, out):
    hit = x == _expand_back(out, e)
    count = np.sum(hit, axis=from_end(e.params["axes"], len(e.in_shapes[0])), keepdims=True)
    return hit / count


def _defextremum(name, fn, monoid):
    p = primitive(name, lambda x, axes, keepdims: fn(x, axis=axes, keepdims=keepdims),
                  "reduction", monoid=monoid)
    jvp_rules[p] = lambda e, xs, out, ts: np.sum(
        ts[0] * _tie_weights(e, xs[0], out),
        axis=from_end(e.params["axes"], len(e.in_shapes[0])), keepdims=e.params["keepdims"])
    vjp_rules[p] = lambda e, xs, out, ct, needs: (_expand_back(ct, e) * _tie_weights(e, xs[0], out),)
    return p


amax_p = _defextremum("reduce_max", np.max, np.maximum)
amin_p = _defextremum("reduce_min", np.min, np.minimum)


# ---------------------------------------------------------------- prod over the last axis
# d prod / d x_i = product of all the others: left and right exclusive cumulative products,
# exact when some entries are zero.

def _others_product(x):
    ones = np.ones_like(x[..., :1])
    left = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return left * right


prod_p = primitive("prod_last", lambda x: np.prod(x, axis=-1), "reduction", monoid=np.multiply)
jvp_rules[prod_p] = lambda e, xs, out, ts: np.sum(ts[0] * _others_product(xs[0]), axis=-1)
vjp_rules[prod_p] = lambda e, xs, out, ct, needs: (ct[..., None] * _others_product(xs[0]),)


# ---------------------------------------------------------------- scans along one axis

def _axis_from_end(e):
    return e.params["axis"] - len(e.in_shapes[0])


def _reverse_cumsum(a, axis):
    return np.flip(np.cumsum(np.flip(a, axis), axis=axis), axis)


cumsum_p = primitive("cumsum", lambda x, axis: np.cumsum(x, axis=axis), "scan", monoid=np.add)
jvp_rules[cumsum_p] = lambda e, xs, out, ts: np.cumsum(ts[0], axis=_axis_from_end(e))
vjp_rules[cumsum_p] = lambda e, xs, out, ct, needs: (_reverse_cumsum(ct, _axis_from_end(e)),)


def _cumprod_partials(x, axis):
    """P[..., k, i] = d out_k / d x_i along the last axis = prod_{j<=k, j!=i} x_j for i<=k.
    O(n^2) per slice; used only when some x is zero (else the quotient rule is exact)."""
    x = np.moveaxis(x, axis, -1)
    n = x.shape[-1]
    xp = xp_of(x)
    upper = xp.triu(xp.ones((n, n), dtype=bool), 1)                     # j > i
    rows = np.where(upper, x[..., None, :], 1.0)                         # [.., i, j]
    after = np.cumprod(rows, axis=-1)                                    # prod_{i<j<=k} x_j
    ones = np.ones_like(x[..., :1])
    before = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)  # prod_{j<i}
    full = before[..., :, None] * after                                  # [.., i, k]
    return np.swapaxes(np.where(upper | xp.eye(n, dtype=bool), full, 0.0), -1, -2)  # [.., k, i]


def _cumprod_jvp(e, xs, out, ts):
    x, t, axis = xs[0], ts[0], _axis_from_end(e)
    if np.all(x != 0):
        return out * np.cumsum(t / x, axis=axis)
    partials = _cumprod_partials(x, axis)
    res = np.sum(partials * np.moveaxis(t, axis, -1)[..., None, :], axis=-1)
    return np.moveaxis(res, -1, axis)


def _cumprod_vjp(e, xs, out, ct, needs):
    x, axis = xs[0], _axis_from_end(e)
    if np.all(x != 0):
        return (_reverse_cumsum(ct * out, axis) / x,)
    partials = _cumprod_partials(x, axis)
    res = np.sum(partials * np.moveaxis(ct, axis, -1)[..., :, None], axis=-2)
    return (np.moveaxis(res, -1, axis),)


cumprod_p = primitive("cumprod", lambda x, axis: np.cumprod(x, axis=axis), "scan",
                      monoid=np.multiply)
jvp_rules[cumprod_p], vjp_rules[cumprod_p] = _cumprod_jvp, _cumprod_vjp


# ---------------------------------------------------------------- evaluation with leading axes

def _eval_reduction(fn):
    return lambda e, xs: fn(xs[0], axis=from_end(e.params["axes"], len(e.in_shapes[0])),
                            keepdims=e.params["keepdims"])


eval_rules[sum_p] = _eval_reduction(np.sum)
eval_rules[amax_p] = _eval_reduction(np.max)
eval_rules[amin_p] = _eval_reduction(np.min)
eval_rules[cumsum_p] = lambda e, xs: np.cumsum(xs[0], axis=_axis_from_end(e))
eval_rules[cumprod_p] = lambda e, xs: np.cumprod(xs[0], axis=_axis_from_end(e))
eval_on_trailing_axes(prod_p)

# Boolean reductions: never differentiable, recorded so that `if np.any(x > 0):` is a decision
# that can be re-checked at other points.
any_p = defnondiff("reduce_any", lambda x, axes, keepdims: np.any(x, axis=axes, keepdims=keepdims),
                   "reduction", np.logical_or)
all_p = defnondiff("reduce_all", lambda x, axes, keepdims: np.all(x, axis=axes, keepdims=keepdims),
                   "reduction", np.logical_and)
eval_rules[any_p] = _eval_reduction(np.any)
eval_rules[all_p] = _eval_reduction(np.all)
