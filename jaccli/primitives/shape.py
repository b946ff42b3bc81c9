"""Shape primitives: reshape, transpose, broadcast_to (views), concatenate (join), sort along
the last axis. All but sort are linear: the JVP applies the same op to the tangent (leading
axes kept), the VJP applies the transpose op."""
import numpy as np

from ..rules import (eval_as_linear, eval_on_trailing_axes, eval_rules, jvp_rules, lead_shape,
                     lift, primitive, seed_passes, unbroadcast, vjp_rules, zeros)


reshape_p = primitive("reshape", lambda x, shape: np.reshape(x, shape), "view")
seed_passes[reshape_p] = lambda e, start, stop: (start, stop)    # C order: the same rows
jvp_rules[reshape_p] = lambda e, xs, out, ts: ts[0].reshape(
    lead_shape(ts[0], e.in_shapes[0]) + e.params["shape"])
vjp_rules[reshape_p] = lambda e, xs, out, ct, needs: (ct.reshape(
    lead_shape(ct, e.out.shape) + e.in_shapes[0]),)


def _full_perm(perm, lead):
    return tuple(range(lead)) + tuple(lead + p for p in perm)


transpose_p = primitive("transpose", lambda x, perm: np.transpose(x, perm), "view")
jvp_rules[transpose_p] = lambda e, xs, out, ts: np.transpose(
    ts[0], _full_perm(e.params["perm"], ts[0].ndim - len(e.in_shapes[0])))
vjp_rules[transpose_p] = lambda e, xs, out, ct, needs: (np.transpose(
    ct, _full_perm(np.argsort(e.params["perm"]), ct.ndim - len(e.out.shape))),)


broadcast_p = primitive("broadcast_to", lambda x, shape: np.broadcast_to(x, shape), "view")


def _broadcast_jvp(e, xs, out, ts):
    (s,), shape = e.in_shapes, e.params["shape"]
    t = lift(ts[0], len(s), len(shape))
    return np.broadcast_to(t, lead_shape(ts[0], s) + shape)


jvp_rules[broadcast_p] = _broadcast_jvp
vjp_rules[broadcast_p] = lambda e, xs, out, ct, needs: (
    unbroadcast(ct, e.in_shapes[0], e.params["shape"]),)


# ---------------------------------------------------------------- concatenate

concatenate_p = primitive("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis), "join")


def _concatenate_jvp(e, xs, out, ts):
    axis = e.params["axis"] - len(e.out.shape)
    k, ref = next((k, t) for k, t in enumerate(ts) if t is not None)
    lead = lead_shape(ref, e.in_shapes[k])
    parts = [t if t is not None else zeros(ref, lead + s)
             for t, s in zip(ts, e.in_shapes)]
    parts = [p if p.shape == lead + s else np.broadcast_to(p, lead + s)
             for p, s in zip(parts, e.in_shapes)]
    return np.concatenate(parts, axis=axis)


def _concatenate_vjp(e, xs, out, ct, needs):
    ax = e.params["axis"]
    bounds = np.cumsum([s[ax] for s in e.in_shapes])[:-1]
    pieces = np.split(ct, bounds, axis=ax - len(e.out.shape))
    return tuple(p if need else None for p, need in zip(pieces, needs))


jvp_rules[concatenate_p], vjp_rules[concatenate_p] = _concatenate_jvp, _concatenate_vjp


# ---------------------------------------------------------------- sort along the last axis

def _aligned_perm(perm, like):
    return perm.reshape((1,) * (like.ndim - perm.ndim) + perm.shape)


sort_p = primitive("sort_last", lambda x: np.sort(x, axis=-1), "sort")
jvp_rules[sort_p] = lambda e, xs, out, ts: np.take_along_axis(
    ts[0], _aligned_perm(np.argsort(xs[0], axis=-1, kind="stable"), ts[0]), axis=-1)
vjp_rules[sort_p] = lambda e, xs, out, ct, needs: (np.take_along_axis(
    ct, _aligned_perm(np.argsort(np.argsort(xs[0], axis=-1, kind="stable"), axis=-1), ct),
    axis=-1),)


# ---------------------------------------------------------------- evaluation with leading axes

for _p in (reshape_p, transpose_p, broadcast_p):
    eval_as_linear(_p)


def _concatenate_eval(e, xs):
    k = max(range(len(xs)), key=lambda i: xs[i].ndim - len(e.in_shapes[i]))
    lead = lead_shape(xs[k], e.in_shapes[k])
    parts = [np.broadcast_to(x, lead + s) for x, s in zip(xs, e.in_shapes)]
    return np.concatenate(parts, axis=e.params["axis"] - len(e.out.shape))


eval_rules[concatenate_p] = _concatenate_eval
eval_on_trailing_axes(sort_p)
