"""Render time of the claims page (layout + HTML) and its first draw in headless Chromium, old layout vs new.

    .venv/bin/python scripts/bench_render.py                          # 500, 2,000, 5,000 and 10,000 nodes
    .venv/bin/python scripts/bench_render.py --nodes 5000 --repeat 3 --screenshots /tmp/shots

For each size a claims project is generated (scripts/make_corpus.py, seed 0), loaded and built with the library
(``Project.load(...).build()``, not timed) and projected to NetworkX as ``build_page`` does (timed: "projection").
Then the page is rendered twice in the same run: with the baseline layout, the ``graph/views/layout.py`` of
``--baseline`` (a git revision; default: main before the igraph layout, the numpy Fruchterman-Reingold and
networkx's Kamada-Kawai), and with this checkout's layout. Layout and HTML (page data, JSON and template) are
timed separately, wall and CPU seconds of this process (CPU includes every BLAS thread). Each page is then opened in
headless Chromium, which records ``performance.now()`` at vis-network's first "afterDrawing", from navigation start.
Sizes above the default ``--max-nodes`` (2,000) are rendered through the library all the same.
The baseline layout needs scipy (networkx's Kamada-Kawai), which claimgraph does not: `.venv/bin/pip install scipy`.
Not a test: figures depend on the machine; record them in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import make_corpus
from benchkit import best_of

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "909694a"  # main before the igraph layout
NODES_PER_CLAIM = 1.44  # what make_corpus yields (about 4,855 nodes for 3,378 claims)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, action="append", help="target node counts (default 500 2000 5000 10000)")
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision of the old layout.py (default {BASELINE})")
    parser.add_argument("--repeat", type=int, default=1, help="time each layout and page N times, keep the fastest")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for one first draw (default 120)")
    parser.add_argument("--blas-threads", help="set OPENBLAS_NUM_THREADS (default: the environment's)")
    parser.add_argument("--screenshots", type=Path, help="save a PNG of every page here")
    return parser.parse_args()


def baseline_layout(revision: str) -> types.ModuleType:
    """The old layout module, read from git and imported on its own (it needs only networkx and numpy)."""
    source = subprocess.run(
        ["git", "show", f"{revision}:graph/views/layout.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType("baseline_layout")
    exec(compile(source, f"{revision}:graph/views/layout.py", "exec"), module.__dict__)
    return module


def first_draw(browser, path: Path, timeout_s: float, screenshot: Path | None) -> float | None:
    """Seconds from navigation start to the first draw; None when it did not happen within the timeout."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.goto(path.as_uri(), timeout=timeout_s * 1000)
        try:
            page.wait_for_function(
                "window.claimgraph && window.claimgraph.timing.firstDraw !== null", timeout=timeout_s * 1000
            )
        except Exception:
            return None
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
        return page.evaluate("window.claimgraph.timing.firstDraw") / 1000
    finally:
        page.close()


def main() -> int:
    args = parse_args()
    if importlib.util.find_spec("scipy") is None:
        sys.exit("the baseline layout needs scipy (networkx's Kamada-Kawai): .venv/bin/pip install scipy")
    if args.blas_threads:
        os.environ["OPENBLAS_NUM_THREADS"] = args.blas_threads  # before numpy is imported
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from graph.api import Project
    from graph.views import page as page_module
    from graph.views import to_networkx
    from graph.views.layout import layout
    from tests.browser import ARGS, CHROMIUM

    layouts = {"old": baseline_layout(args.baseline).layout, "new": layout}
    page_module.vis_network_js(), page_module._template()  # read once, outside the timings
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for target in args.nodes or [500, 2000, 5000, 10000]:
            root = make_corpus.generate_project(Path(tmp) / f"n{target}", round(target / NODES_PER_CLAIM), seed=0)
            built = Project.load(root / "claims.csv", [root / "ontology.ttl"], root / "sources").build()
            vocab, digest = built.inputs.vocab, built.audit.digest
            nxg, projection = best_of(lambda: to_networkx(built.audit.views, built.audit.active))  # noqa: B023
            row = {"nodes": nxg.number_of_nodes(), "edges": nxg.number_of_edges(), "projection": projection}
            for name, function in layouts.items():
                positions, row[f"{name} layout"] = best_of(lambda: function(nxg), args.repeat)  # noqa: B023
                original = page_module.layout
                page_module.layout = lambda graph, seed, positions=positions: positions
                try:
                    html, row[f"{name} html"] = best_of(
                        lambda: page_module.render_html(nxg, vocab, "bench", digest=digest), args.repeat  # noqa: B023
                    )
                finally:
                    page_module.layout = original
                path = Path(tmp) / f"n{target}-{name}.html"
                path.write_text(html, encoding="utf-8")
                shot = args.screenshots / f"n{target}-{name}.png" if args.screenshots else None
                row[f"{name} draw"] = first_draw(browser, path, args.timeout, shot)
            rows.append(row)
            print(f"  measured {row['nodes']} nodes", file=sys.stderr, flush=True)
        browser.close()

    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}, baseline {args.baseline}")
    print(
        "| nodes | edges | projection | layout old | layout new | HTML old / new | render (layout + HTML) old | "
        "render new | render old/new | first draw old | first draw new |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        render = {v: tuple(a + b for a, b in zip(r[f"{v} layout"], r[f"{v} html"], strict=True)) for v in layouts}

        def secs(pair: tuple[float, float]) -> str:
            return f"{pair[0]:.2f} s ({pair[1]:.2f} CPU)"

        def draw(value: float | None) -> str:
            return f">{args.timeout:.0f} s" if value is None else f"{value:.2f} s"

        print(
            f"| {r['nodes']} | {r['edges']} | {secs(r['projection'])} "
            f"| {secs(r['old layout'])} | {secs(r['new layout'])} "
            f"| {r['old html'][0]:.2f} / {r['new html'][0]:.2f} s | {secs(render['old'])} | {secs(render['new'])} "
            f"| {render['old'][0] / render['new'][0]:.1f}× | {draw(r['old draw'])} | {draw(r['new draw'])} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
