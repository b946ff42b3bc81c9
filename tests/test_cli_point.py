"""A spec whose function is NaN or inf at its point: exit 1 and no file, unless allowed."""
from click.testing import CliRunner

from jaccli.cli import main

SPEC = """\
inputs:
  x: [1.0, -2.0]
outputs:
  f: log(x)
"""


def test_nonfinite_value_at_the_point_fails_without_writing(write_spec, tmp_path):
    out = tmp_path / "J.npy"
    result = CliRunner().invoke(main, ["jacobian", str(write_spec(SPEC)), "-o", str(out)])
    assert result.exit_code == 1
    assert "NaN or inf at the point" in result.output and "f[1]" in result.output
    assert not out.exists()


def test_allow_nonfinite_writes_with_a_warning(write_spec, tmp_path):
    out = tmp_path / "J.npy"
    result = CliRunner().invoke(main, ["jacobian", str(write_spec(SPEC)), "-o", str(out),
                                       "--allow-nonfinite"])
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and out.exists()
