"""`python -m jaccli ...` runs the command line, as `jaccli ...` does."""

from jaccli.cli import main

if __name__ == "__main__":
    main(prog_name="jaccli")
