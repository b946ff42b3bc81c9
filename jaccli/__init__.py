"""jaccli: full Jacobians of plain NumPy functions by batched automatic differentiation.

    import numpy as np, jaccli
    J = jaccli.jacobian(lambda x: np.sin(x) * x.sum(), np.ones(3))   # (3, 3)
"""
from . import numpy_api  # noqa: F401  (the one import that fills jaccli.dispatch's tables)
from .api import jacobian, jvp, plan, sparsity, trace, vjp
from .custom import primitive
from .jacfun import hessfun, hvpfun, jacfun
from .errors import ComputeError, InputError, JaccliError, PrecisionWarning, TracingError
from .hessian import hessian, hvp
from .primitives.control import stop_gradient
from .products import grad, jmp, mjp, value_and_grad
from . import testing  # noqa: F401  (jaccli.testing.check_rules)
from .memory import tune_allocator

tune_allocator()        # freed sweep memory kept for the next sweep (memory.py's NOTE)

__version__ = "0.1.0"
__all__ = ["jacobian", "jvp", "vjp", "trace", "plan", "sparsity", "hessian", "hvp", "jacfun",
           "hessfun", "hvpfun", "grad", "value_and_grad", "jmp", "mjp", "primitive",
           "stop_gradient", "testing", "JaccliError", "TracingError", "InputError",
           "ComputeError", "PrecisionWarning"]
