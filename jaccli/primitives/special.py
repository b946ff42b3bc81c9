"""scipy.special's elementwise functions (ufuncs) as elementwise primitives: one line each,
its function and its partial derivatives as data, read by the elementwise family rules (so
forward, reverse, batched, second order, sparsity and the compiled sweeps come with them).

NOTE: scipy.special is imported only when one of these is evaluated (a caller holding one of
its ufuncs has imported it already), so ``import jaccli`` stays as fast as without it. The
impls pick the module from the operands: scipy.special, or cupyx.scipy.special for CuPy
arrays. A partial that needs another special function (gammaln' = digamma) calls ``bind``,
which evaluates it on plain arrays and records it when a rule is traced again (Hessians).
"""
import math

import numpy as np

from ..backend import on_gpu
from .elementwise import defbinary, defunary

SQRT_PI = math.sqrt(math.pi)
SQRT_2PI = math.sqrt(2.0 * math.pi)


def special_module(xs):
    """scipy.special, or cupyx.scipy.special when an operand is a CuPy array."""
    if any(on_gpu(x) for x in xs):
        import cupyx.scipy.special
        return cupyx.scipy.special
    import scipy.special
    return scipy.special


def _impl(name):
    def impl(*xs):
        return getattr(special_module(xs), name)(*xs)
    impl.__name__ = name
    return impl


def _bind(p, *xs):
    from ..tracer import bind             # tracer sits above the primitives
    return bind(p, *xs)


# ---------------------------------------------------------------- unary

expit_p = defunary("expit", _impl("expit"), lambda x, y: y * (1.0 - y))
log_expit_p = defunary("log_expit", _impl("log_expit"), lambda x, y: _bind(expit_p, -x))
logit_p = defunary("logit", _impl("logit"), lambda x, y: 1.0 / (x * (1.0 - x)))
erf_p = defunary("erf", _impl("erf"), lambda x, y: (2.0 / SQRT_PI) * np.exp(-x * x))
erfc_p = defunary("erfc", _impl("erfc"), lambda x, y: (-2.0 / SQRT_PI) * np.exp(-x * x))
erfinv_p = defunary("erfinv", _impl("erfinv"), lambda x, y: (SQRT_PI / 2.0) * np.exp(y * y))
erfcinv_p = defunary("erfcinv", _impl("erfcinv"), lambda x, y: (-SQRT_PI / 2.0) * np.exp(y * y))
ndtr_p = defunary("ndtr", _impl("ndtr"), lambda x, y: np.exp(-0.5 * x * x) / SQRT_2PI)
# d log Phi(x) = phi(x) / Phi(x) = exp(-x^2/2 - log Phi(x)) / sqrt(2 pi): stable for x << 0
log_ndtr_p = defunary("log_ndtr", _impl("log_ndtr"),
                      lambda x, y: np.exp(-0.5 * x * x - y) / SQRT_2PI)
ndtri_p = defunary("ndtri", _impl("ndtri"), lambda x, y: SQRT_2PI * np.exp(0.5 * y * y))
# entr(x) = -x log x (x > 0); 0 at 0, where it has no derivative; -inf below
entr_p = defunary("entr", _impl("entr"), lambda x, y: -(np.log(x) + 1.0))

# Hurwitz zeta(s, q) = sum_k (k + q)^-s; d/dq = -s zeta(s + 1, q). The order s is not
# differentiated (numpy_api.special refuses a traced s). polygamma(n, x) = (-1)^(n+1) n!
# zeta(n + 1, x) for n >= 1, so psi' = zeta(2, .) and every order's derivative is a zeta.
zeta_p = defbinary("zeta", _impl("zeta"), None,
                   lambda s, q, o: -s * _bind(zeta_p, s + 1.0, q))
digamma_p = defunary("digamma", _impl("digamma"), lambda x, y: _bind(zeta_p, 2.0, x))
gammaln_p = defunary("gammaln", _impl("gammaln"), lambda x, y: _bind(digamma_p, x))

# ---------------------------------------------------------------- binary

# xlogy(x, y) = x log y (0 where x == 0), xlog1py(x, y) = x log1p(y)
xlogy_p = defbinary("xlogy", _impl("xlogy"), lambda x, y, o: np.log(y), lambda x, y, o: x / y)
xlog1py_p = defbinary("xlog1py", _impl("xlog1py"), lambda x, y, o: np.log1p(y),
                      lambda x, y, o: x / (1.0 + y))

# scipy.special's ufunc name (its __name__: digamma's is "psi") -> primitive
UFUNCS = {"expit": expit_p, "log_expit": log_expit_p, "logit": logit_p, "erf": erf_p,
          "erfc": erfc_p, "erfinv": erfinv_p, "erfcinv": erfcinv_p, "ndtr": ndtr_p,
          "log_ndtr": log_ndtr_p, "ndtri": ndtri_p, "gammaln": gammaln_p, "entr": entr_p,
          "psi": digamma_p, "xlogy": xlogy_p, "xlog1py": xlog1py_p}
