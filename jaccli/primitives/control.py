"""``stop_gradient``: the identity on values, a zero derivative (every order, every mode).

NOTE: nesting. Under a trace inside a trace the value ``bind`` hands the impl is the outer
trace's Tracer; the impl binds the primitive again there, so the derivative stops at every
level, not only the innermost one.
"""
import numpy as np

from ..rules import defnondiff


def _stop_impl(x):
    from ..tracer import Tracer, bind
    if type(x) is Tracer:
        return bind(stop_gradient_p, x)
    return x.copy() if hasattr(x, "copy") else np.asarray(x)


stop_gradient_p = defnondiff("stop_gradient", _stop_impl)


def stop_gradient(x):
    """``x`` itself as a value, with derivative zero: ``jacobian(lambda x: x *
    stop_gradient(x), x)`` is ``diag(x)``, not ``diag(2 x)``. Hessians see zero too. Sparsity:
    the result depends on no input. Outside a trace it returns ``np.asarray(x)``."""
    from ..tracer import Tracer, bind
    if type(x) is Tracer:
        return bind(stop_gradient_p, x)
    return np.asarray(x)
