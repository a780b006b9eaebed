"""Render README.md from nbs/index.ipynb (with its saved outputs), as nbdev's README would read, with plain nbconvert.

- `#| hide` cells, `#| include: false` cells and `nbdev_export()` cells are dropped; `#|` directive lines are
  removed; `#| echo: false` keeps a cell's outputs without its code;
- links and images under `../figures/` (relative to nbs/) become `figures/` (relative to the repository);
- the README must be plain Markdown: it fails on a `<style>` or `<table>` (show tables with
  `IPython.display.Markdown(df.to_markdown())`) and on an image output (save the figure under figures/ and show it
  with a Markdown image), so that GitHub and package indexes render it as the notebook shows it.

Usage: `python docs/readme.py [--nb nbs/index.ipynb] [--out README.md]`.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.modules.setdefault("rfc3987_syntax", None)   # see docs/build.py: spares seconds of jsonschema grammar building
_DIRECTIVE = re.compile(r"^\s*#\|\s*(.*)$")


def directives(source: str) -> dict[str, str]:
    "The `#| key: value` (or `#| key`) lines of a cell, lower-cased."
    out = {}
    for line in source.splitlines():
        m = _DIRECTIVE.match(line)
        if m:
            key, _, value = m.group(1).partition(":")
            out[key.strip().lower()] = value.strip().lower()
    return out


def prepare(nb) -> None:
    "Drop hidden cells and directive lines; mark `echo: false` cells so that only their outputs are exported."
    keep = []
    for c in nb.cells:
        if c.cell_type == "code":
            d = directives(c.source)
            if "hide" in d or d.get("include") == "false" or "nbdev_export()" in c.source:
                continue
            c.source = "\n".join(ln for ln in c.source.splitlines() if not _DIRECTIVE.match(ln)).strip()
            if d.get("echo") == "false":
                c.metadata.setdefault("tags", []).append("remove_input")
        keep.append(c)
    nb.cells = keep


def render(nb_path: Path) -> str:
    import nbformat
    from nbconvert import MarkdownExporter
    from traitlets.config import Config
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata["language_info"] = {"name": "python"}   # code blocks fenced as ```python (nbdev-clean drops it)
    prepare(nb)
    cfg = Config()
    cfg.TagRemovePreprocessor.enabled = True
    cfg.TagRemovePreprocessor.remove_input_tags = {"remove_input"}
    body, resources = MarkdownExporter(config=cfg).from_notebook_node(nb)
    if resources.get("outputs"):
        raise SystemExit(f"{nb_path.name} has image outputs {sorted(resources['outputs'])}: save the figure under "
                         "figures/ and show it with a Markdown image instead")
    body = body.replace("](../figures/", "](figures/")
    bad = re.search(r"<(style|table)\b", body)
    if bad:
        raise SystemExit(f"README would hold HTML <{bad.group(1)}>: show tables with "
                         "IPython.display.Markdown(df.to_markdown()) in the notebook")
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nb", type=Path, default=ROOT / "nbs" / "index.ipynb")
    ap.add_argument("--out", type=Path, default=ROOT / "README.md")
    a = ap.parse_args(argv)
    text = render(a.nb)
    tmp = a.out.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(a.out)
    print(f"wrote {a.out.relative_to(ROOT) if a.out.is_relative_to(ROOT) else a.out} ({len(text)} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
