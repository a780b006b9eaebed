"""MkDocs hooks for the notebook pages (mkdocs.yml `hooks:`): no network loaders (MathJax, RequireJS, Mermaid), the
notebook stylesheet that mkdocs-jupyter inlines in every page served once as a file, `alt` text on figures, a
table of contents whose links match the headings' ids, and a search index of the prose (code cells and outputs
are left out of it: a fifth of the size, and searching a function's name finds its documentation)."""
from __future__ import annotations

import hashlib
import html as html_lib
import re
from pathlib import Path

from mkdocs.structure.toc import get_toc

_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_REQUIREJS = re.compile(r'<script src="https?://[^"]*require[^"]*"></script>')
# nbconvert's Mermaid loader imports mermaid from a CDN when a page has a diagram: unreachable offline
_MODULE_SCRIPT = re.compile(r'<script type="module">.*?</script>', re.S)
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
_IMG_NO_ALT = re.compile(r"<img(?![^>]*\balt=)")
_HEADING = re.compile(r"<h([1-6])([^>]*)\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.S)
_TAGS = re.compile(r"<[^>]+>")
_NOT_SEARCHED = re.compile(
    r'<div (class="(?:jp-CodeMirrorEditor jp-Editor jp-InputArea-editor|jp-Cell-outputWrapper)")')
_SHARED_CSS: dict[str, str] = {}      # file name -> stylesheet, written once by on_post_build
_MIN_SHARED = 2000                    # inline stylesheets larger than this become shared files


def _text(fragment: str) -> str:
    fragment = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", fragment, flags=re.S)
    return html_lib.unescape(_TAGS.sub("", fragment)).strip()


def _unique_heading_ids(content: str) -> str:
    "A section heading and a show_doc entry may share a name (`unit_groups`): later ids get `-2`, `-3`, ..."
    seen: dict[str, int] = {}

    def fix(m):
        hid = m.group(3)
        seen[hid] = seen.get(hid, 0) + 1
        if seen[hid] == 1:
            return m.group(0)
        new = f"{hid}-{seen[hid]}"
        return m.group(0).replace(f'id="{hid}"', f'id="{new}"', 1).replace(f'href="#{hid}"', f'href="#{new}"', 1)
    return _HEADING.sub(fix, content)


def _toc_from_headings(content: str, max_level: int = 3):
    "TOC tokens from the rendered headings themselves (mkdocs-jupyter's slugs differ from nbconvert's ids)."
    root: list[dict] = []
    stack: list[dict] = []
    for m in _HEADING.finditer(content):
        level = int(m.group(1))
        if level > max_level:
            continue
        tok = {"level": level, "id": html_lib.unescape(m.group(3)), "name": _text(m.group(4)), "children": []}
        while stack and stack[-1]["level"] >= level:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(tok)
        stack.append(tok)
    return root


def _share_style(m, depth: int) -> str:
    css = m.group(1)
    if len(css) < _MIN_SHARED:
        return m.group(0)
    name = f"nb-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
    _SHARED_CSS[name] = css
    return f'<link rel="stylesheet" href="{"../" * depth}assets/{name}">'


def on_page_content(html: str, page, config, files):
    if not page.file.src_path.endswith(".ipynb"):
        return html
    html = _MATHJAX.sub("", html)
    html = _REQUIREJS.sub("", html)
    html = _MODULE_SCRIPT.sub(lambda m: "" if "cdnjs.cloudflare.com" in m.group(0) else m.group(0), html)
    depth = page.file.dest_uri.count("/")
    html = _STYLE.sub(lambda m: _share_style(m, depth), html)
    html = _IMG_NO_ALT.sub('<img alt="figure"', html)
    html = _NOT_SEARCHED.sub(r"<div \1 data-search-exclude", html)
    html = _unique_heading_ids(html)
    page.toc = get_toc(_toc_from_headings(html))
    return html


def on_post_build(config):
    out = Path(config["site_dir"]) / "assets"
    out.mkdir(parents=True, exist_ok=True)
    for name, css in _SHARED_CSS.items():
        (out / name).write_text(css, encoding="utf-8")
