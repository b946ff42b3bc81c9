"""A loaded spec: named inputs (the Jacobian's columns), a plain-NumPy function of them, and
named outputs (its rows)."""

import inspect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from jaccli.spec.errors import SpecError


@dataclass
class Spec:
    """`function(*inputs)` returns a tuple of outputs in spec order; it only calls NumPy
    functions on its arguments, so jaccli's tracer can record it. `evaluate()` runs it once
    on plain arrays and turns a shape mistake into a SpecError naming the entry."""

    source: str                       # how messages name it: "configs/seed.yaml", "m.py:f"
    name: str
    input_names: list
    inputs: list
    function: Callable
    output_names: list = None         # None for module functions until evaluated
    description: str = ""
    checked_function: Callable = None  # like function, with errors naming the entry
    outputs: tuple = field(default=None, repr=False)

    @property
    def argnums(self):
        return tuple(range(len(self.inputs)))

    def evaluate(self, inputs=None):
        """The outputs at `inputs` (default: the spec's point) as float arrays."""
        run = self.checked_function or self.function
        with np.errstate(all="ignore"):
            outputs = run(*(self.inputs if inputs is None else inputs))
        outputs = [self._as_array(i, out) for i, out in enumerate(outputs)]
        if self.output_names is None:
            # a module function's pytree result names its leaves (modules.bind)
            paths = getattr(inspect.unwrap(self.function), "output_paths", None)
            self.output_names = [self.name + p for p in paths] if paths and \
                len(paths) == len(outputs) else default_output_names(self.name, len(outputs))
        if inputs is None:
            self.outputs = tuple(outputs)
        return tuple(outputs)

    def _as_array(self, i, value):
        label = self.output_names[i] if self.output_names else f"output {i}"
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            array = np.asarray(None)
        if array.dtype.kind not in "biuf":
            raise SpecError(f"{self.source}: {label} is a {type(value).__name__}, not a real "
                            "number or array; return NumPy arrays of real numbers.")
        return array.astype(np.float64)

    @property
    def in_shapes(self):
        return [np.shape(x) for x in self.inputs]


def default_output_names(name, count):
    return [name] if count == 1 else [f"{name}_{i}" for i in range(count)]


def as_output_tuple(result):
    """A function's return value as a tuple of outputs (one array, or a tuple/list of them)."""
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)
