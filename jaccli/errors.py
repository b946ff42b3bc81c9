"""Errors raised by jaccli. The command line maps them to exit codes (2: usage or spec, 1: computing)."""


class JaccliError(Exception):
    """Base class of every error jaccli raises on purpose."""


class TracingError(JaccliError):
    """The function did something jaccli cannot record faithfully (unsupported NumPy call,
    a traced value turned into a plain number or array, assignment into a view...)."""


class InputError(JaccliError):
    """An argument cannot be differentiated or has the wrong form (integer input, bad argnums...)."""


class ComputeError(JaccliError):
    """A failure while computing: memory budget exceeded, non-finite values..."""


class PrecisionWarning(UserWarning):
    """A float16 or bfloat16 argument was computed in float32 (jaccli's dtype rule: float32
    in, float32 out; float64 in, float64 out; mixed arguments promote as NumPy does; inputs
    narrower than float32 are widened to float32, with this warning, since their rounding
    would swamp the derivatives)."""
