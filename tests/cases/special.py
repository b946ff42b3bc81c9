"""Derivative cases: scipy.special's ufuncs (through __array_ufunc__) and its Python-level
functions that jaccli registers (logsumexp, softmax, log_softmax, softplus, polygamma, zeta)."""
import numpy as np
import scipy.special as sc

from .table import M, case, normal, uniform

# (name, function, low, high): each drawn inside its domain, away from its edges
UNARY = [
    ("expit", sc.expit, -3.0, 3.0),
    ("log_expit", sc.log_expit, -3.0, 3.0),
    ("logit", sc.logit, 0.1, 0.9),
    ("erf", sc.erf, -2.0, 2.0),
    ("erfc", sc.erfc, -2.0, 2.0),
    ("erfinv", sc.erfinv, -0.8, 0.8),
    ("erfcinv", sc.erfcinv, 0.2, 1.8),
    ("ndtr", sc.ndtr, -2.0, 2.0),
    ("log_ndtr", sc.log_ndtr, -4.0, 2.0),
    ("ndtri", sc.ndtri, 0.1, 0.9),
    ("gammaln", sc.gammaln, 0.5, 4.0),
    ("digamma", sc.digamma, 0.5, 4.0),
    ("psi", sc.psi, 0.5, 4.0),
    ("entr", sc.entr, 0.2, 2.0),
]
for _name, _fn, _lo, _hi in UNARY:
    case(f"special_{_name}_vec", _fn, uniform(_lo, _hi, (4,)))
    case(f"special_{_name}_mat", _fn, uniform(_lo, _hi, (2, 3)))

case("special_xlogy", sc.xlogy, lambda rng: (rng.standard_normal(4), rng.uniform(0.5, 2, 4)),
     argnums=M)
case("special_xlogy_bcast", sc.xlogy,
     lambda rng: (rng.standard_normal((2, 3)), rng.uniform(0.5, 2, 3)), argnums=M)
case("special_xlog1py", sc.xlog1py,
     lambda rng: (rng.standard_normal(4), rng.uniform(-0.5, 2, 4)), argnums=M)
case("special_gammaln_chain", lambda x: sc.gammaln(x * x + 1.0) - sc.expit(x) * sc.erf(x),
     normal((5,)))

# Python-level functions, reached through jaccli's registration in scipy.special (called
# through the module, as the NOTE in jaccli/numpy_api/special.py asks)
case("special_softplus", lambda x: sc.softplus(x), normal((4,)))
case("special_polygamma1", lambda x: sc.polygamma(1, x), uniform(0.5, 3.0, (4,)), rtol=1e-5)
case("special_polygamma3", lambda x: sc.polygamma(3, x), uniform(0.8, 3.0, (4,)), rtol=1e-5)
case("special_zeta_q", lambda q: sc.zeta(3.0, q), uniform(0.8, 3.0, (4,)), rtol=1e-5)
case("special_logsumexp", lambda x: sc.logsumexp(x), normal((5,)))
case("special_logsumexp_axis", lambda x: sc.logsumexp(x, axis=1), normal((3, 4)))
case("special_logsumexp_keepdims", lambda x: sc.logsumexp(x, axis=0, keepdims=True),
     normal((3, 4)))
case("special_logsumexp_b", lambda x, b: sc.logsumexp(x, axis=-1, b=b),
     lambda rng: (rng.standard_normal((2, 3)), rng.uniform(0.5, 2, 3)), argnums=M)
case("special_logsumexp_sign", lambda x: sc.logsumexp(x, b=np.array([1.0, -0.2, 0.3]),
                                                      return_sign=True)[0], normal((3,)))
case("special_softmax", lambda x: sc.softmax(x), normal((5,)))
case("special_softmax_axis", lambda x: sc.softmax(x, axis=0), normal((3, 4)))
case("special_log_softmax", lambda x: sc.log_softmax(x, axis=-1), normal((3, 4)))
case("special_cross_entropy", lambda W, x: -sc.log_softmax(W @ x)[2] + sc.xlogy(x, x * x + 1).sum(),
     lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal(3)), argnums=M)
