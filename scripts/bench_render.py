"""Time until the first full draw of the claims page in headless Chromium: precomputed layout vs PyVis physics.

    .venv/bin/python scripts/bench_render.py                 # 500, 2,000 and 5,000 nodes
    .venv/bin/python scripts/bench_render.py --nodes 500 --timeout 120

For each size a claims project is generated (graph.generate), built (load_project + build_graph) and rendered
twice with the same page template: once as shipped (NetworkX positions, physics off) and once as the baseline,
PyVis's default options (barnesHut physics, 1,000 stabilisation iterations, dynamic smooth edges, no positions).
The page records performance.now() at vis-network's first "afterDrawing" (and "stabilized"); both are measured
from navigation start. Python-side render times (projection + layout + template) are printed too.
Not a test: figures depend on the machine; record them in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.generate import generate_project  # noqa: E402
from graph.project import load_project  # noqa: E402

from graph.rdf import build_graph  # noqa: E402
from graph.views import render_html, to_networkx  # noqa: E402
from tests.browser import ARGS, CHROMIUM  # noqa: E402

NODES_PER_CLAIM = 1.48  # what graph.generate yields (one entity per two claims, a few shared)


def draw_time(browser, path: Path, timeout_s: float) -> tuple[float | None, float | None]:
    """(first draw ms, stabilized ms) from navigation start; None when it did not happen within the timeout."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.goto(path.as_uri(), timeout=timeout_s * 1000)
        try:
            page.wait_for_function(
                "window.claimgraph && window.claimgraph.timing.firstDraw !== null", timeout=timeout_s * 1000
            )
        except Exception:
            return None, None
        timing = page.evaluate("window.claimgraph.timing")
        return timing["firstDraw"], timing["stabilized"]
    finally:
        page.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, action="append", help="target node counts (default 500, 2000, 5000)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for one draw (default 300)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    targets = args.nodes or [500, 2000, 5000]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for target in targets:
            project = generate_project(Path(tmp) / f"n{target}", round(target / NODES_PER_CLAIM), seed=0)
            loaded = load_project(project / "claims.csv", [project / "ontology.ttl"], project / "sources")
            nxg = to_networkx(build_graph(loaded))
            pages = {}
            for name, precomputed in (("layout", True), ("physics", False)):
                started = time.perf_counter()
                html = render_html(nxg, f"bench {target}", precomputed=precomputed)
                pages[name] = (Path(tmp) / f"n{target}-{name}.html", time.perf_counter() - started)
                pages[name][0].write_text(html, encoding="utf-8")
            layout_draw, _ = draw_time(browser, pages["layout"][0], args.timeout)
            physics_draw, physics_stable = draw_time(browser, pages["physics"][0], args.timeout)
            rows.append(
                (
                    nxg.number_of_nodes(),
                    nxg.number_of_edges(),
                    pages["layout"][1],
                    pages["physics"][1],
                    layout_draw,
                    physics_draw,
                    physics_stable,
                )
            )
            print(f"  measured {nxg.number_of_nodes()} nodes", file=sys.stderr, flush=True)
        browser.close()

    def ms(value: float | None) -> str:
        return f">{args.timeout:.0f} s" if value is None else f"{value / 1000:.2f} s"

    print(
        "| nodes | edges | Python render: layout / physics page | first draw: precomputed layout | first draw: "
        "PyVis default physics | physics stabilized | ratio physics/layout |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for nodes, edges, py_layout, py_physics, draw, base, stable in rows:
        ratio = f"{base / draw:.1f}×" if draw and base else "n/a"
        print(
            f"| {nodes} | {edges} | {py_layout:.2f} s / {py_physics:.2f} s | {ms(draw)} | {ms(base)} | "
            f"{ms(stable) if base else ms(None)} | {ratio} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
