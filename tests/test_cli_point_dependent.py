"""A Jacobian whose trace branched on a value is valid only at its point: the command line
says so on stderr and leaves the data on stdout as it is."""
import io

import numpy as np
import pytest
from click.testing import CliRunner

import jaccli

from jaccli.cli import main

BRANCHING = """\
import numpy as np


def f(x):
    if x[0] > 0:
        return np.sin(x) * x[1]
    return np.cos(x)
"""

BRANCH_FREE = BRANCHING.replace("    if x[0] > 0:\n        return np.sin(x) * x[1]\n", "")


@pytest.mark.parametrize("source, warned", [(BRANCHING, True), (BRANCH_FREE, False)],
                         ids=["branching", "branch-free"])
def test_point_dependent_jacobian_is_said_on_stderr(write_spec, source, warned):
    write_spec(source, name="model.py")
    spec = write_spec("inputs: {x: [0.5, 2.0]}\nfunction: model.py:f\n")
    result = CliRunner().invoke(main, ["jacobian", str(spec), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert ("valid only at this point" in result.stderr) is warned
    x = np.array([0.5, 2.0])
    namespace = {}
    exec(source, namespace)
    buffer = io.BytesIO()
    np.save(buffer, jaccli.jacobian(namespace["f"], x))
    assert result.stdout_bytes == buffer.getvalue()      # the warning is on stderr only
    J = np.load(io.BytesIO(result.stdout_bytes))
    expected = (np.diag(np.cos(x) * x[1]) + np.outer(np.sin(x), [0.0, 1.0]) if warned else
                np.diag(-np.sin(x)))
    np.testing.assert_allclose(J, expected, rtol=1e-14, atol=1e-14)
    if warned:
        assert "Python control flow read a traced value" in result.stderr
