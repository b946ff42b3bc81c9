"""`jaccli example [NAME]`: the example specs shipped with the package (jaccli/examples/, a
copy of the repository's configs/), listed or written out, so a wheel can run them too."""

from importlib import resources
from pathlib import Path

import click

from jaccli.cli import running
from jaccli.errors import InputError


def _folder():
    return resources.files("jaccli") / "examples"


def names():
    """{name: description} of the shipped YAML specs, sorted by name."""
    import yaml
    found = {}
    for entry in sorted(_folder().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text()) or {}
            found[entry.name[:-5]] = " ".join(str(data.get("description", "")).split())
    return found


def _models(text):
    """The model files a spec's `function: models/x.py:f` line needs."""
    import yaml
    function = (yaml.safe_load(text) or {}).get("function")
    if not function or ".py:" not in function:
        return []
    return [function.rsplit(":", 1)[0]]


@click.command()
@click.argument("name", required=False, metavar="[NAME]")
@click.option("-o", "--output", metavar="FILE|-", default=None,
              help="Where to write it (default: NAME.yaml here); - prints it.")
@click.option("--force", is_flag=True, help="Replace existing files.")
@running.reporting_errors
def example(name, output, force):
    """List the example specs, or write example NAME to NAME.yaml.

    \b
    Examples:
      jaccli example                 # the names and what each computes
      jaccli example seed            # writes seed.yaml
      jaccli jacobian seed.yaml
      jaccli example lorenz          # lorenz.yaml and the models/lorenz.py it calls
    """
    from jaccli.cli import display
    found = names()
    if name is None:
        width = max(len(n) for n in found)
        for n, description in found.items():
            first = description.split(": ", 1)[0].split(". ", 1)[0]
            click.echo(f"{n.ljust(width)}  {first}")
        click.echo("\nwrite one with: jaccli example NAME")
        return
    if name.endswith(".yaml"):
        name = name[:-5]
    if name not in found:
        raise click.BadParameter(f"no example named {name!r}; the examples are "
                                 f"{', '.join(found)}.", param_hint="NAME")
    text = (_folder() / f"{name}.yaml").read_text()
    if output == "-":
        click.echo(text, nl=False)
        return
    target = Path(output or f"{name}.yaml")
    files = {target: text}
    for model in _models(text):
        files[target.parent / model] = (_folder() / model).read_text()
    existing = [str(path) for path in files if path.exists()]
    if existing and not force:
        raise InputError(f"{' and '.join(existing)} already "
                         f"{'exists' if len(existing) == 1 else 'exist'}; pass --force to "
                         f"replace {'it' if len(existing) == 1 else 'them'}, or -o FILE to "
                         "write elsewhere.")
    from jaccli.cli import output as out
    for path, content in files.items():
        if not path.parent.is_dir():
            try:
                path.parent.mkdir(parents=True)
            except OSError as e:
                raise InputError(f"-o {target}: cannot create the folder {path.parent} "
                                 f"({e.strerror}); write the example elsewhere.") from None
        out.write_file(content.encode(), None, "raw", str(path),
                       writer=lambda data, layout, fmt, stream: stream.write(data))
    display.message(f"wrote {', '.join(str(p) for p in files)}; try: jaccli jacobian {target}")
