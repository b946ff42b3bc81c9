"""Derivative cases: statistics (ptp, average, order statistics, NaN-ignoring reductions),
calculus on samples (gradient, trapezoid, interp), cov, polynomials."""
import numpy as np

from .table import M, case, distinct, fixed, normal, until


# ---- statistics tail -----------------------------------------------------------------
case("ptp", np.ptp, until(normal((5,)), distinct))
case("ptp-axis", lambda x: np.ptp(x, axis=1, keepdims=True), until(normal((2, 3)), distinct))
case("average-plain", lambda x: np.average(x, axis=0), normal((3, 2)))
case("average-weights-const", lambda x: np.average(x, weights=np.array([1.0, 2.0, 3.0])),
     normal((3,)))
case("average-weights-traced", lambda x, w: np.average(x, axis=1, weights=w),
     lambda r: (r.standard_normal((2, 3)), r.uniform(0.5, 2.0, 3)), argnums=M)
case("average-returned", lambda x, w: np.average(x, weights=w, returned=True)[0] *
     np.average(x, weights=w, returned=True)[1], lambda r: (r.standard_normal((2, 3)),
                                                            r.uniform(0.5, 2.0, (2, 3))),
     argnums=M)
case("median-odd", np.median, until(normal((5,)), distinct))
case("median-even", np.median, until(normal((6,)), distinct))
case("median-axis", lambda x: np.median(x, axis=0, keepdims=True), until(normal((4, 3)), distinct))
case("percentile", lambda x: np.percentile(x, 30.0), until(normal((7,)), distinct))
case("percentile-array-q", lambda x: np.percentile(x, [10.0, 50.0, 95.0], axis=1),
     until(normal((2, 5)), distinct))
case("quantile", lambda x: np.quantile(x, 0.37), until(normal((6,)), distinct))
case("quantile-tuple-axis", lambda x: np.quantile(x, 0.6, axis=(0, 2)),
     until(normal((2, 3, 2)), distinct))
case("quantile-traced-q", lambda x, q: np.quantile(x, q), lambda r: (
     until(normal((6,)), distinct)(r)[0], np.array(0.41)), argnums=M)

_NAN = np.array([0.3, np.nan, -1.2, 0.8, np.nan, 2.0])


def _with_nan(x):
    """NaN entries added after any nonlinear step: reverse mode multiplies the zero cotangent
    of a NaN entry by the partials of the step that made it (0 * NaN), as any AD does."""
    return x + _NAN * 0.0


case("nansum", lambda x: np.nansum(_with_nan(x ** 2)), normal((6,)))
case("nanmean", lambda x: np.nanmean(_with_nan(np.sin(x))), normal((6,)))
case("nanprod", lambda x: np.nanprod(_with_nan(x)), normal((6,)))
case("nanmax", lambda x: np.nanmax(_with_nan(x)), until(normal((6,)), distinct))
case("nanmin", lambda x: np.nanmin(_with_nan(x)), until(normal((6,)), distinct))
case("nanvar", lambda x: np.nanvar(_with_nan(x), ddof=1), normal((6,)))
case("nanstd", lambda x: np.nanstd(_with_nan(x)), normal((6,)))
case("nansum-axis", lambda x: np.nansum(np.reshape(_with_nan(x), (2, 3)), axis=0), normal((6,)))
case("nanmean-axis", lambda x: np.nanmean(np.reshape(_with_nan(x), (3, 2)), axis=1),
     normal((6,)))
case("nancumsum", lambda x: np.nancumsum(_with_nan(x)), normal((6,)))
case("nancumprod", lambda x: np.nancumprod(_with_nan(x)), normal((6,)))
case("nanmedian-no-nan", lambda x: np.nanmedian(x), until(normal((5,)), distinct))
case("nanpercentile-no-nan", lambda x: np.nanpercentile(x, 20.0), until(normal((5,)), distinct))
case("cumulative_sum", lambda x: np.cumulative_sum(x, axis=1, include_initial=True),
     normal((2, 3)))
case("cumulative_prod", lambda x: np.cumulative_prod(x), normal((4,)))
case("cumsum-axis0", lambda x: np.cumsum(x, axis=0), normal((3, 2)))
case("cumprod-axis-neg", lambda x: np.cumprod(x, axis=-2), normal((3, 2)))
case("ediff1d", lambda x: np.ediff1d(x, to_begin=x[:1], to_end=[5.0]), normal((2, 2)))
case("gradient-1d", np.gradient, normal((5,)))
case("gradient-spacing", lambda x: np.gradient(x, 0.3), normal((5,)))
case("gradient-edge2", lambda x: np.gradient(x, edge_order=2), normal((5,)))
case("gradient-2d", lambda x: np.stack(np.gradient(x)), normal((3, 4)))
case("gradient-axis", lambda x: np.gradient(x, axis=1), normal((3, 4)))
case("gradient-coords", lambda f, t: np.gradient(f, t),
     lambda r: (r.standard_normal(5), np.cumsum(r.uniform(0.5, 1.5, 5))), argnums=M)
case("gradient-coords-edge2", lambda f, t: np.gradient(f, t, edge_order=2),
     lambda r: (r.standard_normal(5), np.cumsum(r.uniform(0.5, 1.5, 5))), argnums=M)
case("trapezoid", np.trapezoid, normal((5,)))
case("trapezoid-dx-axis", lambda y: np.trapezoid(y, dx=0.5, axis=0), normal((4, 2)))
case("trapezoid-x", lambda y, x: np.trapezoid(y, x),
     lambda r: (r.standard_normal(5), np.cumsum(r.uniform(0.2, 1.0, 5))), argnums=M)
case("trapezoid-x-2d", lambda y, x: np.trapezoid(y, x, axis=0),
     lambda r: (r.standard_normal((4, 2)), np.cumsum(r.uniform(0.2, 1.0, 4))), argnums=M)

INTERP_XP = np.array([0.0, 0.5, 1.3, 2.0, 3.1])


def _interp_sample(rng):
    x = rng.uniform(-0.5, 3.5, 7)
    while np.min(np.abs(x[:, None] - INTERP_XP[None, :])) < 0.05:
        x = rng.uniform(-0.5, 3.5, 7)
    return x, rng.standard_normal(5)


case("interp-x-fp", lambda x, fp: np.interp(x, INTERP_XP, fp), _interp_sample, argnums=M)
case("interp-left-right", lambda x, fp: np.interp(x, INTERP_XP, fp, left=-1.0, right=fp[2] * 2.0),
     _interp_sample, argnums=M)
case("interp-traced-xp", lambda x, xp: np.interp(x, xp, np.sin(xp)),
     lambda r: (np.array([0.2, 0.9, 2.5]), INTERP_XP + 0.0), argnums=M)
case("interp-scalar-x", lambda x: np.interp(x, INTERP_XP, np.cos(INTERP_XP)), fixed(1.7))
case("cov", np.cov, normal((3, 5)))
case("cov-xy-cols", lambda x, y: np.cov(x, y, rowvar=False, bias=True), normal((5, 2), (5,)),
     argnums=M)
case("corrcoef", np.corrcoef, normal((3, 6)))
case("polyval", np.polyval, normal((4,), (3,)), argnums=M)
case("vander", lambda x: np.vander(x, 4), fixed([0.0, 0.5, -1.3]))
case("vander-increasing", lambda x: np.vander(x, increasing=True), normal((3,)))
