"""The graph under construction while tracing: its equations and values, the decisions
traced values took, and the NumPy constants it holds by reference (read-only meanwhile)."""
import numpy as np

from .ir import Var


class Values(dict):
    """Var -> value. NOTE: lazy results. A primitive with a shape rule (``lazy_shapes``; the
    matmuls) records its equation without computing its value; the value is computed when
    first read (a later equation's input, control flow, an output the caller wants). A
    final ``W @ h`` that only the sweeps' rules see -- they never read its value -- is then
    never computed: a 2000 x 500 matvec of mlp_tall's 0.9 ms."""

    def __init__(self):
        super().__init__()
        self.thunks = {}

    def __missing__(self, var):
        impl, vals, params = self.thunks.pop(var)
        value = self[var] = impl(*vals, **params)
        return value


class Builder:
    """The graph under construction."""
    __slots__ = ("eqns", "values", "inputs", "point_dependent", "decisions", "verifiable",
                 "device_put", "frozen", "level")

    def __init__(self, device_put=None, level=1):
        self.level = level         # 1, or deeper for a trace inside a trace (tracer.bind)
        self.eqns = []
        self.values = Values()
        self.inputs = []
        self.point_dependent = []
        self.decisions = []        # (Var, value it had): the graph holds where these recur
        self.verifiable = True     # False once a value was read in a way we cannot re-check
        self.device_put = device_put   # on a GPU: moves NumPy constants next to the values
        self.frozen = []           # NumPy constants made read-only while tracing (see freeze)

    def freeze(self, args):
        """NOTE: the graph holds NumPy constants by reference. Were ``f`` to change one after
        using it (a scratch buffer reused: ``buf[:] = 1; y = x * buf; buf[:] = 2``), the rules
        would see the new contents and the derivative would silently be wrong. So constants
        are read-only until the trace ends: such a write raises, and becomes a clear error."""
        for a in args:
            if type(a) is np.ndarray and a.flags.writeable:
                a.flags.writeable = False
                self.frozen.append(a)

    def thaw(self):
        """Make the frozen constants writable again, owners before their views: NumPy refuses
        to make a view writable while the array it views is read-only (``x * W[0] + x * W``
        froze the view ``W[0]`` before ``W``)."""
        for a in sorted(self.frozen, key=_view_depth):
            a.flags.writeable = True
        self.frozen.clear()

    def new_input(self, value):
        """A Var for an input of the traced function, holding ``value``."""
        var = Var(value.shape, value.dtype)
        self.inputs.append(var)
        self.values[var] = value
        return var

    def note_point_dependent(self, why):
        if why not in self.point_dependent:
            self.point_dependent.append(why)

    def decide(self, node, value, why):
        """A traced value chose the path (a branch, an index): record which value it had."""
        self.decisions.append((node, np.array(_concrete(value), copy=True)))
        self.note_point_dependent(why)

    def read_value(self, why):
        """A traced value was read in a way no decision records (argmax, nonzero...)."""
        self.verifiable = False
        self.note_point_dependent(why)


def _view_depth(a):
    """How many arrays ``a`` is a view of, one through another (0 for an owner)."""
    depth = 0
    while isinstance(a.base, np.ndarray):
        a = a.base
        depth += 1
    return depth


def _concrete(value):
    """A value of a nested trace is an outer trace's Tracer: its concrete value, innermost."""
    while hasattr(value, "builder") and hasattr(value, "node"):
        value = value.value
    return value
