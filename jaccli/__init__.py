"""jaccli: full Jacobians of plain NumPy functions by batched automatic differentiation.

    import numpy as np, jaccli
    J = jaccli.jacobian(lambda x: np.sin(x) * x.sum(), np.ones(3))   # (3, 3)
"""
from . import numpy_api  # noqa: F401  (the one import that fills jaccli.dispatch's tables)
from .api import jacobian, jvp, plan, sparsity, trace, vjp
from .jacfun import hessfun, hvpfun, jacfun
from .errors import ComputeError, InputError, JaccliError, TracingError
from .hessian import hessian, hvp
from .memory import tune_allocator

tune_allocator()        # freed sweep memory kept for the next sweep (memory.py's NOTE)

__version__ = "0.1.0"
__all__ = ["jacobian", "jvp", "vjp", "trace", "plan", "sparsity", "hessian", "hvp", "jacfun",
           "hessfun", "hvpfun", "JaccliError", "TracingError", "InputError", "ComputeError"]
