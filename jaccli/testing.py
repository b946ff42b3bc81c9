"""Checks for user code: ``check_rules`` compares jaccli's derivatives of a function (a
``jaccli.primitive`` and its rules, or any function) with central differences.

    jaccli.testing.check_rules(mysolve, A, b)                    # fwd and rev, first order
    jaccli.testing.check_rules(mysolve, A, b, order=2)           # and the Hessian
"""
import numpy as np

from .api import jacobian
from .hessian import hessian

SECOND_STEP = 1e-4       # relative step of each of the two differences of order 2


def check_rules(fn, *args, modes=("fwd", "rev"), order=1, rtol=1e-5, atol=1e-7, step=1e-6):
    """Raise AssertionError, with a readable report of the largest error, unless the
    Jacobian of ``fn`` with respect to every float argument in each of ``modes`` equals
    central differences at ``args`` to ``rtol``/``atol``. ``order=2`` also checks the Hessian
    of a fixed random projection ``sum(w * fn(*args))`` against central differences of its
    gradient. ``step`` is the relative difference step. Returns None when all agree."""
    args = tuple(np.asarray(a, dtype=float) if not hasattr(a, "dtype") else a for a in args)
    nums = tuple(i for i, a in enumerate(args) if a.dtype.kind == "f")
    name = getattr(fn, "__name__", "fn")
    if order not in (1, 2):
        raise ValueError(f"order={order!r}: check_rules checks order 1 or 2.")
    y = fn(*args)
    if isinstance(y, (tuple, list, dict)):
        raise ValueError(f"check_rules({name}): the function returned a {type(y).__name__}; "
                         "check a function with one array output (one output at a time).")
    y = np.asarray(y, dtype=float)
    reference = {k: _differences(fn, args, k, step) for k in nums}
    failures = []
    for mode in modes:
        J = jacobian(fn, *args, argnums=nums, mode=mode)
        for k, Jk in zip(nums, J):
            failures += _compare(np.asarray(Jk), reference[k], rtol, atol,
                                 f"mode={mode!r}, d out / d argument {k}", y.shape)
    if order == 2:
        w = np.random.default_rng(0).standard_normal(y.shape)

        def projected(*a):
            return np.sum(w * fn(*a))

        def fd_gradient(*a):                  # differences of values only: no rule used
            return np.concatenate([np.ravel(_differences(projected, a, k, SECOND_STEP))
                                   for k in nums])
        H = hessian(projected, *args, argnums=nums)
        H = np.concatenate([np.concatenate([np.reshape(H[i][j], (args[i].size, args[j].size))
                                            for j in range(len(nums))], axis=1)
                            for i in range(len(nums))], axis=0) if len(nums) > 1 else \
            np.reshape(H, (args[nums[0]].size,) * 2)
        ref = np.concatenate([_differences(fd_gradient, args, k, SECOND_STEP).reshape(
            H.shape[0], -1) for k in nums], axis=1)
        failures += _compare(H, ref, rtol * 10, atol * 10,
                             "order 2, Hessian of sum(w * out)", (H.shape[0],))
    if failures:
        raise AssertionError(f"check_rules({name}): jaccli's derivatives disagree with central "
                             f"differences (rtol={rtol}, atol={atol}):\n  " + "\n  ".join(failures))


def _differences(fn, args, k, step):
    """Central differences of ``fn`` with respect to ``args[k]``: out.shape + arg.shape."""
    x = args[k]
    y = np.asarray(fn(*args), dtype=float)
    cols = []
    for j in range(x.size):
        h = step * max(1.0, abs(float(x.flat[j])))
        xp, xm = x.copy(), x.copy()
        xp.flat[j] += h
        xm.flat[j] -= h
        plus = np.asarray(fn(*args[:k], xp, *args[k + 1:]), dtype=float)
        minus = np.asarray(fn(*args[:k], xm, *args[k + 1:]), dtype=float)
        cols.append((plus - minus).ravel() / (xp.flat[j] - xm.flat[j]))
    J = np.stack(cols, axis=-1) if cols else np.zeros((y.size, 0))
    return J.reshape(y.shape + x.shape)


def _compare(actual, expected, rtol, atol, what, out_shape):
    if actual.shape != expected.shape:
        return [f"{what}: shape {actual.shape}, central differences {expected.shape}"]
    err = np.abs(actual - expected)
    bad = err > atol + rtol * np.abs(expected)
    if not np.any(bad):
        return []
    at = np.unravel_index(int(np.argmax(np.where(bad, err, -1.0))), actual.shape)
    r = len(out_shape)
    where = f"out{[int(i) for i in at[:r]]}, in{[int(i) for i in at[r:]]}"
    return [f"{what}: {int(bad.sum())} of {bad.size} entries off, max abs error "
            f"{err[at]:.3g} at {where} (jaccli {actual[at]:.6g}, central differences "
            f"{expected[at]:.6g})"]
