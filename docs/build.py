"""Build the documentation site from the notebooks in `nbs/` (with their committed outputs), offline.

Pre-processes copies of the notebooks into `_docs/src/` (git-ignored) so that the pages read as nbdev's own
documentation does, then runs MkDocs (mkdocs-jupyter, mkdocs-material, mkdocstrings) into `site/`:

- `#|` directive lines are stripped; `#| hide` cells, `#| include: false` cells and `nbdev_export()` cells are
  dropped; `#| echo: false` hides a cell's code, `#| output: false` its outputs; `#| export` code is kept;
- a `show_doc(...)` cell becomes a markdown cell holding its committed output (rendered here with nbdev's
  `show_doc` when the notebook was saved without outputs), with Quarto's attribute text (`{target="_blank" ...}`)
  turned into HTML;
- TeX (`$...$`, `$$...$$`) in markdown becomes MathML at build time (latex2mathml; Chromium renders it natively);
- links to notebooks (`03_units.ipynb`, or inline code naming a notebook) point to their pages, inline code
  naming a documented symbol links to its `show_doc` entry, markdown images (in cells and in Markdown outputs)
  are embedded as data URIs, and links to `../figures/*.png` point to the site's copy of `figures/`;
- new notebooks appear by themselves: every `nbs/*.ipynb` not starting with `_` or `.` is a page, and every
  module of the package an API page;
- nbdev's `# Title` + `> description` header reads as title and lead paragraph (docs/assets/extra.css);
- pages are named as nbdev names them (`03_units.ipynb` -> `units.html`), navigation follows the notebooks'
  order with `index.ipynb` first (the home page), and an API reference page per module is generated.

Usage: `python docs/build.py [--nbs nbs] [--work _docs] [--site site] [--no-api] [--quiet]`.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import html
import importlib
import json
import logging
import mimetypes
import re
import shutil
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LIB = "merge_nb"

# jsonschema (imported by nbformat) builds ~40 grammars at import when the optional `rfc3987_syntax` is installed
# (jupyterlab pulls it in): seconds of the build, for IRI format checks that notebooks never need.
sys.modules.setdefault("rfc3987_syntax", None)

# ---------------------------------------------------------------------------------------------------------------
# Markdown segmentation: the prose of a markdown string, with code (fences, inline spans) left untouched.

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)


def _blocks(md: str) -> list[tuple[bool, str]]:
    "Split markdown into (is_code, text) pieces: fenced code blocks are code, the rest is prose."
    out, buf, fence = [], [], None
    for line in md.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            if buf:
                out.append((False, "".join(buf)))
            buf, fence = [line], m.group(1)
        elif fence is not None and m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
            buf.append(line)
            out.append((True, "".join(buf)))
            buf, fence = [], None
        else:
            buf.append(line)
    if buf:
        out.append((fence is not None, "".join(buf)))
    return out


def map_prose(md: str, f) -> str:
    "Apply `f` to the prose of markdown `md`: everything outside fenced code blocks and inline code spans."
    res = []
    for is_code, text in _blocks(md):
        if is_code:
            res.append(text)
            continue
        pos = 0
        for m in _CODE_SPAN.finditer(text):
            res.append(f(text[pos:m.start()]))
            res.append(m.group(0))
            pos = m.end()
        res.append(f(text[pos:]))
    return "".join(res)


def map_code_spans(md: str, f) -> str:
    "Apply `f` to each inline code span (the whole match, backticks included) outside fenced blocks."
    res = []
    for is_code, text in _blocks(md):
        res.append(text if is_code else _CODE_SPAN.sub(f, text))
    return "".join(res)


# ---------------------------------------------------------------------------------------------------------------
# Math: TeX -> MathML at build time.

_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?![\s$])((?:\\.|[^$\\])+?)(?<![\s\\])\$(?![$\d])", re.S)
_MATHML_FIXES = [("<mi>&#x0007E;</mi>", "<mo>&#x0223C;</mo>")]   # latex2mathml renders \sim as a tilde
# operator names latex2mathml does not know: written upright, as \operatorname{...}
_OPERATOR_NAMES = ("arg", "argmax", "argmin", "deg", "det", "dim", "hom", "ker", "Pr", "rank", "sgn", "diag", "tr")


class MathError(ValueError):
    "A TeX formula that latex2mathml cannot convert (an unknown command, say)."


def tex_to_mathml(tex: str, display: bool = False) -> str:
    "One line of MathML for `tex`; raises `MathError` when the conversion leaves TeX behind."
    from latex2mathml.converter import convert
    tex = re.sub(r"\\(%s)(?![A-Za-z])" % "|".join(_OPERATOR_NAMES), r"\\operatorname{\1}", tex.strip())
    try:
        out = convert(tex, display="block" if display else "inline")
    except Exception as e:  # latex2mathml raises assorted errors on bad input; all mean "cannot convert"
        raise MathError(f"{tex!r}: {type(e).__name__}: {e}") from e
    out = out.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "").replace("\n", "")
    for a, b in _MATHML_FIXES:
        out = out.replace(a, b)
    leftover = re.search(r">[^<]*\\[A-Za-z]+[^<]*<", out)
    if leftover:
        raise MathError(f"{tex!r}: unsupported command {leftover.group(0)[1:-1]!r}")
    # markdown must not read characters inside the MathML as emphasis, table cells or code
    return re.sub(r"[*_|`\\\[\]$~]", lambda m: f"&#{ord(m.group(0))};", out)


def render_math(md: str, failures: list[str]) -> str:
    "Replace `$$...$$` and `$...$` in the prose of `md` by MathML; unconvertible formulas stay (and are listed)."
    def conv(m, display):
        body = m.group(1)
        if not display and re.search(r"\n\s*\n", body):
            return m.group(0)
        try:
            mathml = tex_to_mathml(body, display)
        except MathError as e:
            failures.append(str(e))
            return m.group(0)
        return mathml

    def prose(text):
        text = _DISPLAY_MATH.sub(lambda m: conv(m, True), text)
        text = _INLINE_MATH.sub(lambda m: conv(m, False), text)
        return text.replace("\\$", "&#36;")
    return map_prose(md, prose)


# ---------------------------------------------------------------------------------------------------------------
# Quarto attribute text, as nbdev's show_doc writes it: `[source](url){target="_blank" style="..."}`.

_ATTR_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)\{([^{}\n]*)\}")
_ATTR_BLOCK = re.compile(r"(?<=[)\]\w`*])[ \t]*\{(?:[.#][\w-]+|[\w-]+=)[^{}\n]*\}")
_HEADING_ATTRS = re.compile(r"^(#{1,6} .*?)[ \t]+\{[^{}\n]*\}[ \t]*$", re.M)
_CALLOUT_OPEN = re.compile(r"^:::+[ \t]*\{\.callout-(\w+)[^}\n]*\}[ \t]*$", re.M)
_CALLOUT_CLOSE = re.compile(r"^:::+[ \t]*$", re.M)


def _attr_link_html(m) -> str:
    text, url, attrs = m.groups()
    target = re.search(r'target="([^"]*)"', attrs)
    classes = " ".join(re.findall(r"(?<![\w-])\.([\w-]+)", attrs))
    if text.strip().lower() == "source":
        classes = (classes + " nbdev-source-link").strip()
    parts = [f'href="{html.escape(url)}"']
    if classes:
        parts.append(f'class="{classes}"')
    if target:
        parts += [f'target="{html.escape(target.group(1))}"', 'rel="noopener"']
    return f"<a {' '.join(parts)}>{html.escape(text)}</a>"


def clean_quarto(md: str) -> str:
    "Quarto's attribute syntax as plain markdown/HTML: attribute links become `<a>`, other attribute blocks go."
    def prose(text):
        text = _ATTR_LINK.sub(_attr_link_html, text)
        text = _HEADING_ATTRS.sub(r"\1", text)
        text = _CALLOUT_OPEN.sub(lambda m: f'<div class="admonition {m.group(1)}">\n', text)
        text = _CALLOUT_CLOSE.sub("\n</div>", text)
        return _ATTR_BLOCK.sub("", text)
    return map_prose(md, prose)


# ---------------------------------------------------------------------------------------------------------------
# Pages, links and images.

_NBNUM = re.compile(r"^\d+[a-zA-Z]?_")


def page_stem(nb: Path) -> str:
    "The page name nbdev gives a notebook: `03_units.ipynb` -> `units`."
    return _NBNUM.sub("", nb.stem)


def list_notebooks(nbs: Path) -> list[Path]:
    "The documented notebooks in their order: `index.ipynb` first, then by file name (nbdev skips `_`/`.` names)."
    nbs_ = sorted(p for p in nbs.glob("*.ipynb") if not p.name.startswith(("_", ".")))
    return sorted(nbs_, key=lambda p: (p.stem != "index", p.name))


def rewrite_links(md: str, pages: dict[str, str]) -> str:
    "Markdown links to notebooks (`03_units.ipynb#x`) point to their pages (`units.html#x`)."
    def link(m):
        stem, anchor = m.group(1), m.group(2) or ""
        return f"]({pages[stem]}{anchor})" if stem in pages else m.group(0)
    return map_prose(md, lambda t: re.sub(r"\]\((?:\./)?([\w.-]+)\.ipynb(#[^)\s]*)?\)", link, t))


def link_code_spans(md: str, pages: dict[str, str], symbols: dict[str, str], here: str) -> str:
    "Inline code naming a notebook links to its page; naming a documented symbol, to its entry (as nbdev does)."
    def f(m):
        name = m.group(2).strip()
        if m.group(1) != "`":
            return m.group(0)
        key = name[:-2] if name.endswith("()") else name
        if name in pages:
            return f"[{m.group(0)}]({pages[name]})"
        if key in symbols and symbols[key] != f"{here}#{key}":
            return f"[{m.group(0)}]({symbols[key]})"
        return m.group(0)
    # only spans not already inside a link: `[`x`](...)` stays as written
    protected = re.compile(r"\[[^\]]*`[^\]]*\]\([^)]*\)")
    pieces, pos = [], 0
    for m in protected.finditer(md):
        pieces.append(map_code_spans(md[pos:m.start()], f))
        pieces.append(m.group(0))
        pos = m.end()
    pieces.append(map_code_spans(md[pos:], f))
    return "".join(pieces)


def embed_images(md: str, base: Path, missing: list[str]) -> str:
    "Markdown images with a local path become data URIs (the site needs no copied assets); missing files stay."
    def img(m):
        alt, url = m.group(1), m.group(2)
        if re.match(r"^(?:[a-z]+:|/|#)", url):
            return m.group(0)
        path = (base / url).resolve()
        if not path.is_file():
            missing.append(url)
            return m.group(0)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"![{alt}](data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()})"
    return map_prose(md, lambda t: re.sub(r"!\[([^\]]*)\]\(([^)\s]+)\)", img, t))


def link_figures(md: str) -> str:
    "Links to the reproductions' files (`../figures/x.png`, relative to nbs/) point to the site's copy (`figures/`)."
    return map_prose(md, lambda t: t.replace("](../figures/", "](figures/"))


# ---------------------------------------------------------------------------------------------------------------
# Notebook processing (nbdev's NBProcessor for the directives, plus the rules above).

_SHOW_DOC_LINE = re.compile(r"^\s*show_doc\(.*\)\s*$")


def is_show_doc(source: str) -> bool:
    lines = [ln for ln in source.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(lines) and all(_SHOW_DOC_LINE.match(ln) for ln in lines)


def _markdown_of(outputs) -> str:
    return "\n\n".join("".join(o["data"]["text/markdown"]) if isinstance(o["data"]["text/markdown"], list)
                       else o["data"]["text/markdown"]
                       for o in outputs if "text/markdown" in o.get("data", {}))


class ShowDocRenderer:
    """Renders `show_doc(...)` lines with nbdev for notebooks saved without outputs, from the exported modules.
    Renders are cached in `cache` by the cell and the modules' source, so a warm build need not import torch."""
    def __init__(self, cache: Path | None = None):
        self._ns: dict[tuple, dict] = {}
        self.cache_path = cache
        self.cache = json.loads(cache.read_text()) if cache and cache.exists() else {}
        self.used: set[str] = set()

    def namespace(self, modules: tuple[str, ...]) -> dict:
        if modules not in self._ns:
            from nbdev.showdoc import show_doc
            ns = {"show_doc": show_doc}
            for mod in modules:
                ns.update(vars(importlib.import_module(mod)))
            self._ns[modules] = ns
        return self._ns[modules]

    @staticmethod
    def key(source: str, modules: tuple[str, ...]) -> str:
        h = hashlib.sha256(source.encode())
        for mod in modules:
            path = ROOT.joinpath(*mod.split("."))
            for f in (path.with_suffix(".py"), path / "__init__.py"):
                if f.is_file():
                    h.update(f.read_bytes())
        return h.hexdigest()

    def __call__(self, source: str, modules: tuple[str, ...]) -> str:
        key = self.key(source, modules)
        self.used.add(key)
        if key in self.cache:
            return self.cache[key]
        ns = self.namespace(modules)
        docs = []
        for line in source.splitlines():
            if _SHOW_DOC_LINE.match(line):
                docs.append(eval(line.strip(), ns)._repr_markdown_())   # noqa: S307 (our own notebooks)
        self.cache[key] = "\n\n".join(docs)
        return self.cache[key]

    def save(self) -> None:
        if self.cache_path:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            self.cache_path.write_text(json.dumps({k: v for k, v in self.cache.items() if k in self.used}))


def _exported_modules(cells) -> tuple[str, ...]:
    "The modules a notebook exports to (`default_exp` and `export <module>` directives), as import paths."
    mods = []
    for c in cells:
        d = getattr(c, "directives_", None) or {}
        for key in ("default_exp", "export", "exporti", "exports"):
            name = (d.get(key) or "").split()
            if name and f"{LIB}.{name[0]}" not in mods:
                mods.append(f"{LIB}.{name[0]}")
    return tuple(mods)


_KEEP_CELL_METADATA = {"tags", "transient", "nbdev_show_doc", "language"}


def frontmatter_to_markdown(nb) -> None:
    "A raw YAML front-matter cell (`title:`, `description:`) becomes nbdev's `# title` + `> description` cell."
    import yaml
    if not nb.cells or nb.cells[0].cell_type != "raw":
        return
    m = re.match(r"\A\s*---\s*\n(.*?)\n---\s*\Z", nb.cells[0].source, re.S)
    if not m:
        return
    meta = yaml.safe_load(m.group(1)) or {}
    md = f"# {meta['title']}" if meta.get("title") else ""
    if meta.get("description"):
        md += f"\n\n> {meta['description']}"
    if md:
        nb.cells[0].cell_type, nb.cells[0].source = "markdown", md.strip()
    else:
        nb.cells.pop(0)


def magics_cleaner():
    "nbdev's `clean_magics` (drops `%load_ext`, `%autoreload`, ... lines) with the configuration read once."
    from nbdev.config import get_config
    from nbdev.processors import _def_strip_magics
    mm = str(get_config().get("strip_magics", _def_strip_magics)).split()
    pat = re.compile(rf"^\s*({'|'.join(re.escape(m) for m in mm)})\b.*", re.M) if mm else None

    def clean_magics(cell):
        if pat is not None and cell.cell_type == "code":
            cell.source = pat.sub("", cell.source).strip()
    return clean_magics


def process_notebook(src: Path, dst: Path, ctx: dict) -> dict:
    "Pre-process one notebook into `dst`; returns its page record (title, symbols, warnings)."
    from fastcore.nbio import read_nb
    from nbdev.process import NBProcessor
    from nbdev.processors import filter_stream_, hide_, hide_line, rm_header_dash, strip_ansi

    nb = read_nb(src)
    for c in nb.cells:
        c.directives_ = c.directives
    modules = _exported_modules(nb.cells)
    warns: list[str] = []

    def directives(cell):
        d = {k: str(v).strip().lower() for k, v in (getattr(cell, "directives_", None) or {}).items()}
        if cell.cell_type != "code":
            return
        if d.get("include") == "false" or "nbdev_export()" in cell.source:
            del cell["source"]
            return
        if d.get("output") == "false" or "hide_output" in d:
            cell.outputs = []
        if d.get("echo") == "false" or "hide_input" in d:
            cell.metadata.setdefault("transient", {})["remove_source"] = True
        if not cell.source.strip() and not cell.get("outputs"):
            del cell["source"]

    def show_docs(cell):
        if cell.cell_type != "code" or not is_show_doc(cell.source):
            return
        md = _markdown_of(cell.get("outputs", []))
        if not md:
            try:
                md = ctx["show_doc"](cell.source, modules)
            except Exception as e:  # a name the exported modules lack: keep the cell as code and say so
                warns.append(f"show_doc not rendered ({type(e).__name__}: {e}): {cell.source.strip()}")
                return
        cell.cell_type, cell.source = "markdown", md
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
        cell.metadata["nbdev_show_doc"] = True

    def stderr_streams(cell):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                o["text"] = re.sub(r"[^\n]*\r(?!\n)", "", o["text"])   # progress bars: keep the last state

    procs = [strip_ansi, hide_line, filter_stream_, rm_header_dash, ctx["clean_magics"], hide_, directives, show_docs,
             stderr_streams]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        NBProcessor(nb=nb, procs=procs, rm_directives=True).process()
    nb.cells = [c for c in nb.cells if c.cell_type != "raw" or c.source.strip()]
    frontmatter_to_markdown(nb)

    title = None
    for c in nb.cells:
        if c.cell_type == "markdown":
            m = re.search(r"^# (.+)$", c.source, re.M)
            if m:
                title = m.group(1).strip()
                break
    symbols = []
    for c in nb.cells:
        if c.metadata.get("nbdev_show_doc"):
            symbols += re.findall(r"^#{2,4} ([\w.]+)\s*$", c.source, re.M)
    for c in nb.cells:
        c.pop("directives_", None)
        c.pop("idx_", None)
        # only the metadata the page needs: tools leave entries (execution timings, ...) nbformat rejects
        c.metadata = {k: v for k, v in c.metadata.items() if k in _KEEP_CELL_METADATA}
    record = {"src": src.name, "page": ctx["pages"][src.stem], "title": title or page_stem(src),
              "symbols": symbols, "warnings": warns, "modules": list(modules)}
    ctx["nbs"][src.stem] = nb
    return record


def finish_notebook(stem: str, dst: Path, nbs_dir: Path, ctx: dict, record: dict) -> None:
    "Second pass, once every notebook's symbols are known: markdown rewriting, then write the copy."
    from fastcore.nbio import write_nb
    nb = ctx["nbs"][stem]
    failures, missing = [], []
    here = ctx["pages"][stem]
    for i, c in enumerate(nb.cells):
        if c.cell_type == "markdown":
            md = c.source
            if c.metadata.get("nbdev_show_doc"):
                md = clean_quarto(md)
            else:
                md = rewrite_links(md, ctx["pages"])
                md = link_code_spans(md, ctx["pages"], ctx["symbols"], here)
                md = link_figures(embed_images(md, nbs_dir, missing))
            c.source = render_math(clean_quarto(md), failures)
        for o in c.get("outputs", []):
            data = o.get("data", {})
            if "text/latex" in data and not ({"text/html", "image/png", "image/svg+xml"} & set(data)):
                tex = "".join(data["text/latex"]) if isinstance(data["text/latex"], list) else data["text/latex"]
                data["text/html"] = render_math(tex.strip(), failures)
            if "text/markdown" in data:
                md = data["text/markdown"]
                md = "".join(md) if isinstance(md, list) else md
                md = link_figures(embed_images(md, nbs_dir, missing))
                data["text/markdown"] = render_math(clean_quarto(md), failures)
    record["warnings"] += [f"TeX left as written: {f}" for f in failures]
    record["warnings"] += [f"image not found: {u}" for u in missing]
    dst.parent.mkdir(parents=True, exist_ok=True)
    nb.metadata.pop("widgets", None)
    write_nb(nb, dst)


# ---------------------------------------------------------------------------------------------------------------
# API reference pages (mkdocstrings reads the exported modules statically).

def api_modules(lib: Path) -> list[str]:
    "The public modules of the package: every `.py` under it but private ones (`_modidx`) and `__main__`."
    mods = []
    for p in sorted(lib.rglob("*.py")):
        rel = p.relative_to(lib.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
            if len(parts) == 1:
                continue
        if any(x.startswith("_") for x in parts) or parts[-1] == "__main__":
            continue
        mods.append(".".join(parts))
    return mods


def write_api_pages(out: Path, mods: list[str]) -> list[dict]:
    (out / "api").mkdir(parents=True, exist_ok=True)
    nav = []
    for mod in mods:
        name = mod.split(".", 1)[1] if "." in mod else mod
        (out / "api" / f"{name}.md").write_text(f"# {mod}\n\n::: {mod}\n", encoding="utf-8")
        nav.append({mod: f"api/{name}.md"})
    return nav


# ---------------------------------------------------------------------------------------------------------------

class _PassThroughSoup:
    "Stands in for BeautifulSoup in nbconvert's HTML exporter: selects nothing, returns the markup unchanged."
    def __init__(self, markup, features=None, **kwargs):
        self.markup = markup

    def select(self, selector):
        return []

    def __str__(self):
        return self.markup


def skip_nbconvert_soup() -> None:
    """nbconvert's HTMLExporter re-parses each page with BeautifulSoup's pure-Python parser only to add `alt` and
    `tabindex` attributes; with the 600 kB of CSS mkdocs-jupyter inlines per page that is most of the build time.
    Skip it (docs/hooks.py adds the missing `alt` texts)."""
    import nbconvert.exporters.html as nbhtml
    if hasattr(nbhtml, "BeautifulSoup"):
        nbhtml.BeautifulSoup = _PassThroughSoup


def build(nbs: Path = ROOT / "nbs", work: Path = ROOT / "_docs", site: Path = ROOT / "site", api: bool = True,
          quiet: bool = False) -> dict:
    "Pre-process the notebooks into `work/src`, build the site into `site`; returns the manifest (also in `site`)."
    t0 = time.time()
    src_dir = work / "src"
    if src_dir.exists():
        shutil.rmtree(src_dir)
    (src_dir / "assets").mkdir(parents=True)
    for asset in (DOCS / "assets").iterdir():
        shutil.copy2(asset, src_dir / "assets" / asset.name)
    (src_dir / "figures").mkdir()
    for fig in (ROOT / "figures").glob("*.png"):     # the committed results, which pages link to
        shutil.copy2(fig, src_dir / "figures" / fig.name)
    notebooks = list_notebooks(nbs)
    pages = {p.stem: f"{page_stem(p)}.html" for p in notebooks}
    stems = [page_stem(p) for p in notebooks]
    dup = {s for s in stems if stems.count(s) > 1}
    if dup:
        raise SystemExit(f"notebooks share a page name {sorted(dup)}: rename one of them")
    ctx = {"pages": pages, "nbs": {}, "symbols": {}, "show_doc": ShowDocRenderer(work / "show_doc_cache.json"),
           "clean_magics": magics_cleaner()}
    records = {}
    for p in notebooks:
        records[p.stem] = process_notebook(p, src_dir / f"{page_stem(p)}.ipynb", ctx)
        for s in records[p.stem]["symbols"]:
            ctx["symbols"].setdefault(s, f"{pages[p.stem]}#{s}")
    ctx["show_doc"].save()
    for p in notebooks:
        finish_notebook(p.stem, src_dir / f"{page_stem(p)}.ipynb", nbs, ctx, records[p.stem])
    t_pre = time.time() - t0

    nav = [{records[p.stem]["title"]: f"{page_stem(p)}.ipynb"} for p in notebooks]
    api_nav = write_api_pages(src_dir, api_modules(ROOT / LIB)) if api else []
    if api_nav:
        nav.append({"API reference": api_nav})

    skip_nbconvert_soup()
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    level = logging.WARNING if quiet else logging.INFO
    logging.getLogger("mkdocs").setLevel(level)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(levelname)-7s %(name)s: %(message)s", level=logging.WARNING)
    cfg = load_config(config_file=str(ROOT / "mkdocs.yml"), docs_dir=str(src_dir), site_dir=str(site), nav=nav)
    if not api:
        cfg.plugins.pop("mkdocstrings", None)
    cfg["plugins"]["mkdocs-jupyter"].config["cache_dir"] = str(work / "cache")
    mkdocs_build(cfg)

    manifest = {"pages": [{**records[p.stem], "url": pages[p.stem]} for p in notebooks],
                "api": [{"title": next(iter(d)), "url": next(iter(d.values())).replace(".md", ".html")}
                        for d in api_nav]}
    (site / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    for r in manifest["pages"]:
        for w in r["warnings"]:
            print(f"WARNING {r['src']}: {w}")
    where = site.relative_to(ROOT) if site.is_relative_to(ROOT) else site
    print(f"docs: {len(notebooks)} notebook pages + {len(api_nav)} API pages -> {where}"
          f" (pre-processing {t_pre:.1f} s, total {time.time() - t0:.1f} s)")
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nbs", type=Path, default=ROOT / "nbs")
    ap.add_argument("--work", type=Path, default=ROOT / "_docs")
    ap.add_argument("--site", type=Path, default=ROOT / "site")
    ap.add_argument("--no-api", action="store_true", help="skip the mkdocstrings API reference pages")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    build(a.nbs.resolve(), a.work.resolve(), a.site.resolve(), api=not a.no_api, quiet=a.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
