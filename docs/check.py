"""Check the documentation site in a real browser: build it, serve it on localhost, open every page in headless
Chromium (selenium) and assert, per page:

- no console errors (SEVERE log entries) and no request leaving localhost (the site works offline);
- the page has its title (in `<title>` and as the page's heading);
- every image has loaded (`naturalWidth > 0`);
- no `#|` directive, no Quarto attribute text (`{target="_blank" ...}`) and no raw TeX (`$...$`, `\\frac`, ...)
  is visible in the page text (code excluded for TeX and attributes, since code may legitimately hold both);
- long code lines wrap or scroll (a `pre` wider than its box must scroll, never be cut).

Prints one line per page, then runs the self-test (below) in the same browser; exits 1 if a page fails or the
self-test does.

`--self-test` shows the check can fail: it builds a copy of the site from `index.ipynb` plus a deliberately broken
notebook (a missing figure, a corrupt PNG output, raw `$x$` and `\\frac` TeX, a `#|` directive, Quarto attribute
text, a console error) and asserts that the check passes the good page and reports each defect on the broken one,
and nothing else: that page also holds what the build must fix (hidden and `nbdev_export()` cells, directives,
`echo: false`, show_doc's attribute text, TeX in markdown), which must not be reported.

Usage: `python docs/check.py [--no-build] [--site site] [--self-test | --no-self-test] [--screenshots DIR]`.
"""
from __future__ import annotations

import argparse
import base64
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

APT_CMD = "apt-get install -y chromium chromium-driver"
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--disable-default-apps", "--disable-extensions", "--window-size=1280,1000"]

# What must not be visible. TeX and Quarto attributes are searched in the prose (code removed); directives in
# code blocks (lines starting with `#|`) and in the prose.
RAW_TEX = re.compile(r"\$\$?[^$\n]{1,200}?\$\$?"
                     r"|\\(?:frac|text|mathrm|mathbf|mathbb|sum|prod|int|sqrt|cdot|times|left|right"
                     r"|lambda|alpha|beta|gamma|delta|epsilon|theta|sigma|mu|pi|rho|tau|phi|psi|omega|hat|tilde|bar"
                     r"|lvert|rvert|lVert|rVert|leq|geq|le|ge|neq|approx|sim|in|infty|partial|nabla|begin|end|arg"
                     r"|max|min|log|exp|top|odot|otimes|quad|operatorname|mathcal|ldots|cdots|dots)(?![A-Za-z])")
QUARTO_ATTR = re.compile(r"\{\s*(?:target|style|width|height|fig-[\w-]+|code-[\w-]+)\s*=[^}]*\}"
                         r"|\{\s*[.#][A-Za-z][\w-]*(?:\s+[^}]*)?\}")
DIRECTIVE_LINE = re.compile(r"^\s*#\|\s*[\w-]+", re.M)

_PAGE_JS = r"""
const main = document.querySelector('article.md-content__inner') || document.querySelector('.md-content')
  || document.body;
const images = Array.from(main.querySelectorAll('img')).map(im => ({
  src: (im.currentSrc || im.src || '').slice(0, 80), ok: im.complete && im.naturalWidth > 0, w: im.naturalWidth}));
const pres = Array.from(main.querySelectorAll('pre')).filter(p => !p.closest('.clipboard-copy-txt'));
const codeText = pres.map(p => p.textContent).join('\n');
const cut = pres.filter(p => {
  if (p.scrollWidth <= p.clientWidth + 1) return false;
  const cs = getComputedStyle(p);
  const wraps = ['pre-wrap', 'break-spaces', 'normal', 'pre-line'].includes(cs.whiteSpace);
  const scrolls = ['auto', 'scroll'].includes(cs.overflowX) ||
    ['auto', 'scroll'].includes(getComputedStyle(p.parentElement).overflowX);
  return !wraps && !scrolls;
}).map(p => p.textContent.slice(0, 60));
const clone = main.cloneNode(true);
clone.querySelectorAll('pre, code, script, style, .clipboard-copy-txt, .headerlink, .anchor-link, math, [hidden]')
  .forEach(e => e.remove());
clone.querySelectorAll('p, div, li, td, th, h1, h2, h3, h4, h5, h6, br, tr').forEach(e => e.append('\n'));
const prose = clone.textContent;
const h1 = main.querySelector('h1');
const resources = performance.getEntriesByType('resource').map(r => r.name);
return {title: document.title, h1: h1 ? h1.innerText.replace(/¶/g, '').trim() : null, images, codeText, prose,
        cut, resources, math: main.querySelectorAll('math').length,
        cells: main.querySelectorAll('.jp-Cell').length};
"""


# ---------------------------------------------------------------------------------------------------------------
# Chromium

def ensure_chromium() -> tuple[str, str]:
    "Paths of chromium and chromedriver; installs them with apt-get when missing and running as root."
    def find():
        return (shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome"),
                shutil.which("chromedriver"))
    browser, driver = find()
    if browser and driver:
        return browser, driver
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"docs-check: chromium missing, running: {APT_CMD}", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(APT_CMD.split(), env=env, stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, stdout=subprocess.DEVNULL, check=False)
            subprocess.run(APT_CMD.split(), env=env, stdout=subprocess.DEVNULL, check=False)
        browser, driver = find()
        if browser and driver:
            return browser, driver
    raise SystemExit(f"docs-check: headless Chromium is needed; install it with: sudo {APT_CMD}")


def start_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    browser, driver = ensure_chromium()
    os.environ.setdefault("SE_OFFLINE", "true")          # selenium-manager must not try to download anything
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="docs-check-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(options=opts, service=Service(executable_path=driver))
    drv.set_page_load_timeout(60)
    drv._profile_dir = profile
    return drv


def stop_browser(drv) -> None:
    try:
        drv.quit()
    finally:
        shutil.rmtree(getattr(drv, "_profile_dir", ""), ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------------
# Serving

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(site: Path):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


# ---------------------------------------------------------------------------------------------------------------
# The per-page assertions

def check_page(drv, base: str, url: str, title: str, shot_dir: Path | None = None) -> dict:
    "Open one page and return its findings: `problems` (empty when the page passes) and some counts."
    t0 = time.time()
    drv.get_log("browser")                              # drop entries of earlier pages
    drv.get(f"{base}/{url}")
    for _ in range(50):                                 # images decode asynchronously: wait until all settle
        done = drv.execute_script("return Array.from(document.images).every(i => i.complete)")
        if done:
            break
        time.sleep(0.1)
    info = drv.execute_script(_PAGE_JS)
    logs = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
    problems = []
    for msg in dict.fromkeys(e.get("message", "") for e in logs):   # Chromium may log one failure twice
        problems.append(f"console error: {msg[:160]}")
    outside = [r for r in info["resources"] if not r.startswith((base, "data:", "blob:"))]
    for r in outside:
        problems.append(f"request leaves localhost: {r[:120]}")
    if title not in info["title"]:
        problems.append(f"<title> is {info['title']!r}, expected it to hold {title!r}")
    if info["h1"] is None or title not in info["h1"]:
        problems.append(f"heading is {info['h1']!r}, expected {title!r}")
    broken = [im for im in info["images"] if not im["ok"]]
    for im in broken:
        problems.append(f"image not loaded: {im['src']}")
    code_dirs = DIRECTIVE_LINE.findall(info["codeText"])
    prose_dirs = re.findall(r"#\|\s*[\w-]+", info["prose"])
    if code_dirs or prose_dirs:
        problems.append(f"directive visible: {[d.strip() for d in code_dirs + prose_dirs][:3]}")
    tex = RAW_TEX.findall(info["prose"])
    if tex:
        problems.append(f"raw TeX visible: {tex[:3]}")
    attrs = QUARTO_ATTR.findall(info["prose"])
    if attrs:
        problems.append(f"Quarto attribute text visible: {attrs[:2]}")
    if info["cut"]:
        problems.append(f"code cut off (neither wrapped nor scrolling): {info['cut'][:2]}")
    if shot_dir is not None:
        shot_dir.mkdir(parents=True, exist_ok=True)
        h = drv.execute_script("return document.body.scrollHeight")
        drv.set_window_size(1280, min(max(h, 1000), 16000))
        drv.save_screenshot(str(shot_dir / url.replace("/", "_").replace(".html", ".png")))
        drv.set_window_size(1280, 1000)
    return {"url": url, "title": title, "problems": problems, "images": len(info["images"]),
            "broken_images": len(broken), "math": info["math"], "cells": info["cells"], "seconds": time.time() - t0}


def _print_result(r: dict) -> None:
    status = "PASS" if not r["problems"] else "FAIL"
    print(f"{status}  {r['url']:<26} {r['title'][:34]!r:<36} {r['images']:>2} img ({r['broken_images']} broken), "
          f"{r['math']:>3} math, {r['cells']:>3} cells, {r['seconds']:.1f} s", flush=True)
    for pr in r["problems"]:
        print(f"        - {pr}")


def check_site(site: Path, shot_dir: Path | None = None, verbose: bool = True, drivers=None) -> list[dict]:
    """Check every page listed in the site's manifest, spread over the browsers `drivers` (or one new browser);
    prints one line per page, in the manifest's order."""
    manifest = json.loads((site / "manifest.json").read_text())
    pages = [(p["url"], p["title"]) for p in manifest["pages"]] + [(p["url"], p["title"]) for p in manifest["api"]]
    httpd, base = serve(site)
    own = not drivers
    drivers = [start_browser()] if own else drivers
    results: list[dict | None] = [None] * len(pages)
    lock, todo = threading.Lock(), list(range(len(pages)))
    printed = [0]

    def work(drv):
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop(0)
            url, title = pages[i]
            r = check_page(drv, base, url, title, shot_dir)
            with lock:
                results[i] = r
                while verbose and printed[0] < len(pages) and results[printed[0]] is not None:
                    _print_result(results[printed[0]])
                    printed[0] += 1
    try:
        threads = [threading.Thread(target=work, args=(d,)) for d in drivers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        if own:
            stop_browser(drivers[0])
        httpd.shutdown()
    missing = [pages[i][0] for i, r in enumerate(results) if r is None]
    if missing:
        raise RuntimeError(f"pages not checked (a browser failed): {missing}")
    return results


# ---------------------------------------------------------------------------------------------------------------
# Self-test: a site with known defects must fail, in each of the ways it is broken.

def _self_test_notebook() -> dict:
    "A notebook with defects the build cannot fix (the check must report them) and ones it must fix (it must not)."
    def code(source, outputs=()):
        return {"cell_type": "code", "execution_count": None, "metadata": {}, "source": source,
                "outputs": list(outputs)}

    def md(source):
        return {"cell_type": "markdown", "metadata": {}, "source": source}

    def display(data):
        return {"output_type": "display_data", "metadata": {}, "data": data}
    not_png = base64.b64encode(b"this is not a PNG file").decode()
    html = ('<p>Raw TeX from an HTML output: $x$ and \\frac{a}{b}.</p>'
            '<p>Quarto text: [source](https://example.org){target="_blank" style="float:right"}</p>'
            '<script>console.error("self-test: a script error")</script>')
    show_doc_md = ('---\n\n[source](https://example.org/x.py#L1){target="_blank" style="float:right; '
                   'font-size:smaller"}\n\n### documented_marker\n\n```python\ndef documented_marker(x):\n```\n\n'
                   '*A documented function.*')
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "cells": [
                md("# Broken page\n\n> A page with known defects, for the check's self-test."),
                # defects the check must report
                md("A figure file that does not exist:\n\n![missing figure](figures/does_not_exist.png)"),
                code("show_figure()", [display({"image/png": not_png, "text/plain": "<Figure>"})]),
                code("show_html()", [display({"text/html": html, "text/plain": "<HTML>"})]),
                code("print(directive)", [{"output_type": "stream", "name": "stdout", "text": "#| export\nx = 1\n"}]),
                # what the build must fix, so that the check finds nothing more
                code("#| default_exp selftest"),
                code("#| hide\nhidden_cell_marker = 1"),
                code("#| export\ndef exported_marker(): return 1"),
                code("#| echo: false\nsecret_input_marker = 1", [{"output_type": "stream", "name": "stdout",
                                                                 "text": "visible output\n"}]),
                code("show_doc(documented_marker)", [display({"text/markdown": show_doc_md, "text/plain": "x"})]),
                md("Math that must become MathML: $\\delta_t = \\theta_t - \\theta_{\\text{base}}$ and\n\n"
                   "$$\\frac{1}{n} \\sum_i \\lvert x_i \\rvert$$"),
                code("import nbdev; nbdev.nbdev_export()"),
            ]}


# The defects the check must report on the broken page: (kind, a text the message holds). Nothing else may be
# reported there: the directives, hidden cells, show_doc attribute text and TeX the build handles must not show.
EXPECTED_DEFECTS = [("image not loaded", "does_not_exist.png"), ("image not loaded", "data:image/png"),
                    ("raw TeX visible", "$x$"), ("raw TeX visible", "\\frac"),
                    ("Quarto attribute text visible", "target="), ("directive visible", "#| export"),
                    ("console error", "self-test: a script error"), ("console error", "does_not_exist.png")]
MUST_BE_GONE = ["hidden_cell_marker", "secret_input_marker", "nbdev_export", "#| hide", "default_exp"]
MUST_SHOW = ["exported_marker", "visible output", "documented_marker", "<math"]


def self_test(drivers=None) -> int:
    from build import build
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="docs-selftest-") as tmp:
        tmp = Path(tmp)
        nbs = tmp / "nbs"
        nbs.mkdir()
        shutil.copy2(ROOT / "nbs" / "index.ipynb", nbs / "index.ipynb")
        (nbs / "98_broken.ipynb").write_text(json.dumps(_self_test_notebook(), indent=1))
        build(nbs, tmp / "work", tmp / "site", api=False, quiet=True)
        page = (tmp / "site" / "broken.html").read_text()
        print("self-test: checking a site with one good and one deliberately broken page")
        results = {r["url"]: r for r in check_site(tmp / "site", drivers=drivers)}
    ok = not results["index.html"]["problems"]
    print(f"self-test: the good page passes{'' if ok else ': NO'}")
    probs = results["broken.html"]["problems"]
    for kind, text in EXPECTED_DEFECTS:
        found = any(p.startswith(kind) and text in p for p in probs)
        print(f"self-test: reports {kind + ' (' + text + ')':<52} {'yes' if found else 'NO (missed)'}")
        ok &= found
    extra = [p for p in probs if not any(p.startswith(k) and t in p for k, t in EXPECTED_DEFECTS)]
    for p in extra:
        print(f"self-test: reports something the build should have fixed: {p}")
    ok &= not extra
    for marker in MUST_BE_GONE:
        gone = marker not in page.split('<div class="jupyter-wrapper">', 1)[-1].replace("print(directive)", "")
        print(f"self-test: build removed {marker!r:<24} {'yes' if gone else 'NO'}")
        ok &= gone
    for marker in MUST_SHOW:
        print(f"self-test: build kept {marker!r:<27} {'yes' if marker in page else 'NO'}")
        ok &= marker in page
    print(f"self-test {'PASSED' if ok else 'FAILED'} ({time.time() - t0:.0f} s)")
    return 0 if ok else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, default=ROOT / "site")
    ap.add_argument("--no-build", action="store_true", help="check the site as it is")
    ap.add_argument("--self-test", action="store_true", help="only run the self-test")
    ap.add_argument("--no-self-test", action="store_true", help="skip the self-test after the check")
    ap.add_argument("--screenshots", type=Path, default=None, help="save a full-page PNG per page here")
    ap.add_argument("--browsers", type=int, default=2, help="pages are checked in this many browsers at once")
    a = ap.parse_args(argv)
    ensure_chromium()
    if a.self_test:
        return self_test()
    t0 = time.time()
    if not a.no_build:
        from build import build
        build(site=a.site.resolve(), quiet=True)
    t_build = time.time() - t0
    n = max(1, min(a.browsers, os.cpu_count() or 1))
    drivers = [start_browser() for _ in range(n)]
    try:
        results = check_site(a.site.resolve(), a.screenshots, drivers=drivers)
        bad = [r for r in results if r["problems"]]
        print(f"docs-check: {len(results) - len(bad)}/{len(results)} pages pass (build {t_build:.0f} s, "
              f"browser {time.time() - t0 - t_build:.0f} s, {n} browsers)")
        rc = 1 if bad else 0
        if not a.no_self_test:
            rc = max(rc, self_test(drivers))
    finally:
        for drv in drivers:
            stop_browser(drv)
    print(f"docs-check: {'FAILED' if rc else 'passed'} in {time.time() - t0:.0f} s")
    return rc


if __name__ == "__main__":
    sys.exit(main())
