"""Complex intermediates: the promotion real -> complex, the non-holomorphic elementwise maps
(real, imag, conj, |z|, angle), and which existing primitives accept complex operands.

The convention (JAX's; stated in full in ``rules.py``, "complex intermediates"): tangents of
complex values are complex, the JVP is the R-linear tangent map, the VJP its transpose under
the pairing <a, b> = Re(sum a * b). Holomorphic primitives keep their real rules (t * g'(z),
ct * g'(z)); the maps below are not holomorphic and carry their own. All are elementwise and
unary: shapes (with any leading seed / point axes) pass through unchanged. Their
``partials`` (the elementwise kind's data) are what they are on a *real* operand (imag and
angle: 0); on a complex one the maps are only R-linear, and the rules are the truth.
"""
import numpy as np

from ..rules import accepts_complex, jvp_rules, primitive, vjp_rules
from . import elementwise as ew
from . import indexing, linalg, reductions, shape


def _nonzero_unit(z, out, power):
    """conj(z) / |z|^power, 0 where z == 0 (|z| has no derivative there; 0 is a subgradient)."""
    pos = out > 0
    return np.where(pos, np.conj(z) / np.where(pos, out, 1.0) ** power, 0.0)


def _onto(ct, x):
    """A cotangent for operand ``x``: its real part when x is real (the transpose of R -> C;
    jaccli.numpy_api never binds these maps to a real operand, but the rules stay exact)."""
    return ct if x.dtype.kind == "c" else np.real(ct)


# ---------------------------------------------------------------- promotion real -> complex
# x (real) -> x + 0j. JVP: the tangent promoted; VJP: the real part (the transpose of R -> C).

promote_p = primitive("promote", lambda x, dtype: x.astype(dtype), "elementwise", (1.0,))
jvp_rules[promote_p] = lambda e, xs, out, ts: ts[0].astype(e.params["dtype"])
vjp_rules[promote_p] = lambda e, xs, out, ct, needs: (np.real(ct),)

# ---------------------------------------------------------------- real, imag, conj (R-linear)

real_p = primitive("real", np.real, "elementwise", (1.0,))
jvp_rules[real_p] = lambda e, xs, out, ts: np.real(ts[0])
vjp_rules[real_p] = lambda e, xs, out, ct, needs: (ct.astype(xs[0].dtype),)

imag_p = primitive("imag", np.imag, "elementwise", (0.0,))
jvp_rules[imag_p] = lambda e, xs, out, ts: np.imag(ts[0])
vjp_rules[imag_p] = lambda e, xs, out, ct, needs: (_onto(-1j * ct, xs[0]),)

conj_p = primitive("conj", np.conj, "elementwise", (1.0,))
jvp_rules[conj_p] = lambda e, xs, out, ts: np.conj(ts[0])
vjp_rules[conj_p] = lambda e, xs, out, ct, needs: (np.conj(ct),)

# ---------------------------------------------------------------- |z| and angle of complex z
# d|z| = Re(conj(z) dz) / |z|;  d angle(z) = Im(conj(z) dz) / |z|^2. Transposes under the real
# pairing: ct * conj(z) / |z| and -1j * ct * conj(z) / |z|^2.


cabs_p = primitive("cabs", np.abs, "elementwise", (lambda x, out: np.sign(x),))
jvp_rules[cabs_p] = lambda e, xs, out, ts: np.real(ts[0] * _nonzero_unit(xs[0], np.abs(xs[0]), 1))
vjp_rules[cabs_p] = lambda e, xs, out, ct, needs: (
    ct * _nonzero_unit(xs[0], np.abs(xs[0]), 1),)

cangle_p = primitive("cangle", np.angle, "elementwise", (0.0,))
jvp_rules[cangle_p] = lambda e, xs, out, ts: np.imag(
    ts[0] * _nonzero_unit(xs[0], np.abs(xs[0]), 2))
vjp_rules[cangle_p] = lambda e, xs, out, ct, needs: (
    _onto(-1j * ct * _nonzero_unit(xs[0], np.abs(xs[0]), 2), xs[0]),)

# ---------------------------------------------------------------- which primitives take complex

# Holomorphic elementwise maps and C-linear structure: the real rules hold unchanged.
# (Not here: max/min/clip, comparisons <, floor/sign/round, mod, arctan2/hypot, cbrt,
# arccosh (NumPy's branch is not 1/sqrt(z^2 - 1)), log|det|/solve/inv and the decompositions,
# sort: each raises a TracingError on a complex operand.)
accepts_complex(
    "promote",
    ew.neg_p, ew.add_p, ew.sub_p, ew.mul_p, ew.div_p, ew.pow_p, ew.float_pow_p,
    ew.exp_p, ew.exp2_p, ew.expm1_p, ew.log_p, ew.log2_p, ew.log10_p, ew.log1p_p,
    ew.sqrt_p, ew.square_p, ew.reciprocal_p, ew.sin_p, ew.cos_p, ew.tan_p,
    ew.arcsin_p, ew.arccos_p, ew.arctan_p, ew.sinh_p, ew.cosh_p, ew.tanh_p, ew.arcsinh_p,
    ew.arctanh_p, ew.where_p,
    reductions.sum_p, reductions.prod_p, reductions.cumsum_p, reductions.cumprod_p,
    linalg.matmul_p, linalg.einsum_p, linalg.diagonal_p,
    shape.reshape_p, shape.transpose_p, shape.broadcast_p, shape.concatenate_p,
    indexing.getitem_p, indexing.setitem_p, indexing.scatter_add_p,
)
# Complex in, own rules; or a zero derivative whatever the operand (isnan, ==).
accepts_complex(
    "own", promote_p, real_p, imag_p, conj_p, cabs_p, cangle_p, ew.convert_p,
    ew.isnan_p, ew.isinf_p, ew.isfinite_p, ew.COMPARISONS[np.equal],
    ew.COMPARISONS[np.not_equal],
)
