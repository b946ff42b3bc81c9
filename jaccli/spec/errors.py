"""The one error the spec layer raises: a spec (YAML file, module reference or --input value)
that cannot be used as written. The command line maps it to exit code 2."""

from jaccli.errors import JaccliError


class SpecError(JaccliError):
    """A spec is invalid. The message names the file, the field and the fix."""
