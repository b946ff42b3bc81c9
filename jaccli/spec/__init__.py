"""Spec files and module references -> a plain-NumPy function of named inputs.

    spec = load_spec("configs/seed.yaml", overrides={"x1": np.array(3.0)})
    spec.function(*spec.inputs)      # tuple of outputs, in spec order
"""

from jaccli.spec.errors import SpecError
from jaccli.spec.loader import load_spec
from jaccli.spec.model import Spec
from jaccli.spec.values import parse_cli_value

__all__ = ["SpecError", "Spec", "load_spec", "parse_cli_value"]
