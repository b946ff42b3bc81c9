"""Option parsing of the command line: memory sizes and --input assignments."""

import click
import pytest
from click.testing import CliRunner

from jaccli.cli import main
from jaccli.cli.options import ByteSize, parse_size


@pytest.mark.parametrize("text, expected", [
    ("2GB", 2 * 10**9), ("512MB", 512 * 10**6), ("64MiB", 64 * 2**20), ("64M", 64 * 2**20),
    ("1.5gb", 1_500_000_000), ("10kB", 10_000), ("3KiB", 3072), ("1G", 2**30),
    ("4096", 4096), ("100 B", 100), ("1e6", 10**6), ("2TB", 2 * 10**12),
])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "2XB", "-1GB", "0", "GB", "1.2.3MB"])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_byte_size_param_type_is_a_usage_error():
    with pytest.raises(click.BadParameter, match="not a size"):
        ByteSize().convert("huge", None, None)
    assert ByteSize().convert(123, None, None) == 123


@pytest.mark.parametrize("args, words", [
    (["--memory-limit", "huge"], "'huge' is not a size"),
    (["--chunk-size", "0"], "--chunk-size"),
    (["--mode", "sideways"], "'sideways' is not one of"),
    (["--device", "tpu"], "'tpu' is not one of"),
    (["--format", "xlsx"], "'xlsx' is not one of"),
    (["--input", "x1"], "'x1' is not NAME=VALUE"),
    (["--input", "x1=1", "--input", "x1=2"], "'x1' is given twice"),
    (["--input", "x1=-", "--input", "x2=-"], "only one input can be read from stdin"),
])
def test_bad_options_exit_2(configs, args, words):
    result = CliRunner().invoke(main, ["jacobian", str(configs / "seed.yaml"), *args])
    assert result.exit_code == 2
    assert words in result.output


@pytest.mark.parametrize("command", ["jacobian", "plan", "trace", "check"])
def test_every_help_has_examples(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and f"jaccli {command} configs/" in result.output


def test_group_help_and_version():
    runner = CliRunner()
    assert "jacobian" in runner.invoke(main, ["--help"]).output
    assert runner.invoke(main, ["--version"]).exit_code == 0
