"""The run's pictures (PNGs) and report.html beside Locust's own locust.html."""
from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

from load import pictures
from load.capacity_plan import BISECTION, REQUEST_NAME
from load.options import LoadOptions
from load.result import LoadResult
from load.timeline import read_timelines


def draw_pictures(result: LoadResult, options: LoadOptions, report: Callable[[str], None]) -> None:
    """PNGs next to the HTML report; a picture that cannot be drawn is named, not fatal."""
    try:
        for name, capacity in result.capacities.items():
            bisection = result.out_dir / "capacity" / name / BISECTION
            # Every probe the bisection ran, also the repeats: what was offered when.
            steps = json.loads((bisection / f"capacity-{BISECTION}-steps.json").read_text())
            offered = [(step["start"], step["end"], step["rate"]) for step in steps if step.get("end")]
            result.pictures.append(pictures.shape_picture(
                result.out_dir / f"capacity-{name}.png",
                f"capacity: {name}'s gateway, bisection below Locust's {capacity.throughput:.0f}/s ({capacity.bottleneck})",
                read_timelines(bisection), [REQUEST_NAME], offered=offered, bound_ms=capacity.p99_bound_ms))
        if result.stats is not None:
            result.pictures.append(pictures.shape_picture(
                result.out_dir / "workflows.png", f"workflows: {options.users} simulated workflows (SDK pushes)",
                read_timelines(result.out_dir)))
        if result.growth is not None:
            result.pictures.append(pictures.growth_picture(result.out_dir / "growth.png", result.growth))
    except (OSError, ValueError) as exc:
        report(f"WARNING: pictures not drawn: {exc}")
        return
    report(f"pictures: {', '.join(p.name for p in result.pictures)} in {result.out_dir}")


def write_html_report(result: LoadResult, lines: list[str]) -> Path:
    """report.html: the printed report and the pictures, beside Locust's own locust.html."""
    images = "\n".join(f'<p><img src="{html.escape(p.name)}" alt="{html.escape(p.stem)}"></p>' for p in result.pictures)
    path = result.out_dir / "report.html"
    path.write_text(f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Simplepipe load run</title></head>"
                    f"<body><h1>Simplepipe load run</h1>\n<pre>{html.escape(chr(10).join(lines))}</pre>\n"
                    f"{images}\n</body></html>\n")
    return path


def finish(result: LoadResult, options: LoadOptions, lines: list[str], report: Callable[[str], None]) -> None:
    """The end of every run's report: its pictures, the final lines tooling parses, and report.html."""
    if options.pictures:
        draw_pictures(result, options, report)
    report("")
    for line in result.final_lines:
        report(line)
    write_html_report(result, lines)
