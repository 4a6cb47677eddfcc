"""`python -m dashboards.snapshot --platform local` (= `make snapshot`): every dashboard drawn from live data to a PNG.

Grafana cannot run here, so this queries the platform's Prometheus as Grafana would (same
queries, variables on "All") and lays the panels out by their gridPos: time series as lines
with a legend, stats as big numbers, tables as tables. One PNG per dashboard in .state/snapshots/.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from dashboards import display  # noqa: E402
from dashboards.panel_queries import (  # noqa: E402
    PanelQuery,
    TimeRange,
    all_value,
    load_rendered,
    panel_queries,
    panels,
    query_variables,
    run,
    variable_values,
)
from dashboards.thresholds import duration_seconds  # noqa: E402
from harness.backends import create  # noqa: E402
from harness.paths import REPO_ROOT  # noqa: E402
from harness.prometheus_api import PrometheusClient, PrometheusError, PrometheusQueryError  # noqa: E402

SNAPSHOT_DIR = REPO_ROOT / ".state" / "snapshots"
DEFAULT_RANGE = "15m"
# Grafana's grid: 24 columns; a row unit is 30 px plus an 8 px gap.
WIDTH_PX = 1800
ROW_PX = 38
HEADER_PX = 70
DPI = 100


class PrometheusNotFoundError(LookupError):
    """Neither --prometheus-url, PROMETHEUS_URL nor a running platform says where Prometheus is."""


def prometheus_of(platform: str, state_dir: Path | None = None) -> PrometheusClient:
    """$PROMETHEUS_URL (a Prometheus of your own, asked without credentials), else the running platform's
    (`make up PLATFORM=...`), with the administrator's login where the platform has one."""
    if os.environ.get("PROMETHEUS_URL"):
        return PrometheusClient(os.environ["PROMETHEUS_URL"])
    running = create(platform, **({"state_dir": state_dir} if state_dir is not None else {}))
    try:
        if running.is_up():
            return running.prometheus()
    finally:
        running.close()
    raise PrometheusNotFoundError(
        f"the {platform} platform is not running (state in {running.state_dir}): start it with "
        f"`make up PLATFORM={platform}`, or set PROMETHEUS_URL / --prometheus-url")


class DashboardSnapshot:
    """One dashboard drawn from live data, panel by panel, on Grafana's grid."""

    def __init__(self, client: PrometheusClient, model: dict, time_range: TimeRange) -> None:
        self.client = client
        self.model = model
        self.time_range = time_range
        variables = query_variables(model)
        self.variables = {v["name"]: all_value(v, variable_values(client, v, time_range)) for v in variables}
        self.panels = panels(model)
        rows = max((p["gridPos"]["y"] + p["gridPos"]["h"] for p in self.panels), default=1)
        self.height_px = HEADER_PX + rows * ROW_PX + 10
        self.empty_panels: list[str] = []
        self.figure = plt.figure(figsize=(WIDTH_PX / DPI, self.height_px / DPI), dpi=DPI, facecolor=display.BACKGROUND)

    def draw(self, path: Path) -> Path:
        self._header()
        for panel in self.panels:
            frame = self._frame(panel)
            try:
                series = {q.ref: (q, run(self.client, q, self.variables, self.time_range))
                          for q in panel_queries(self.model, panel)}
            except PrometheusQueryError as exc:
                self.empty_panels.append(panel.get("title", ""))
                self._message(frame, f"query error: {exc}", display.color("red"))
                continue
            if not any(result for _, result in series.values()):
                self.empty_panels.append(panel.get("title", ""))
                self._message(frame, "No data", display.MUTED)
            elif panel["type"] == "timeseries":
                self._timeseries(frame, panel, series)
            elif panel["type"] == "stat":
                self._stat(frame, panel, series)
            elif panel["type"] == "table":
                self._table(frame, panel, series)
            else:
                self._message(frame, f"panel type {panel['type']!r} is not drawn", display.MUTED)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.figure.savefig(path, facecolor=display.BACKGROUND)
        plt.close(self.figure)
        return path

    # --- layout -----------------------------------------------------------------------------------------------
    def _box(self, x_px: float, y_px: float, w_px: float, h_px: float) -> list[float]:
        """Figure coordinates (left, bottom, width, height) of a box given in pixels from the top left."""
        return [x_px / WIDTH_PX, 1 - (y_px + h_px) / self.height_px, w_px / WIDTH_PX, h_px / self.height_px]

    def _header(self) -> None:
        start = datetime.fromtimestamp(self.time_range.start).strftime("%Y-%m-%d %H:%M")
        end = datetime.fromtimestamp(self.time_range.end).strftime("%H:%M")
        chosen = "  ".join(f"{name}: All" for name in self.variables)
        self.figure.text(12 / WIDTH_PX, 1 - 28 / self.height_px, self.model["title"], color=display.TEXT,
                         fontsize=17, weight="bold", va="center")
        self.figure.text(1 - 12 / WIDTH_PX, 1 - 28 / self.height_px, f"{start} to {end}    {chosen}",
                         color=display.MUTED, fontsize=11, va="center", ha="right")

    def _frame(self, panel: dict) -> list[float]:
        """Draw the panel's background and title; returns its content box in pixels (x, y, w, h)."""
        grid = panel["gridPos"]
        column = WIDTH_PX / 24
        x, y = grid["x"] * column + 4, HEADER_PX + grid["y"] * ROW_PX + 4
        w, h = grid["w"] * column - 8, grid["h"] * ROW_PX - 8
        left, bottom, width, height = self._box(x, y, w, h)
        self.figure.patches.append(FancyBboxPatch(
            (left, bottom), width, height, boxstyle="round,pad=0,rounding_size=0.003", transform=self.figure.transFigure,
            facecolor=display.PANEL, edgecolor=display.BORDER, linewidth=1, zorder=-1))
        self.figure.text(left + 8 / WIDTH_PX, bottom + height - 16 / self.height_px, panel.get("title", ""),
                         color=display.TEXT, fontsize=11, weight="bold", va="center")
        return [x + 8, y + 30, w - 16, h - 38]

    def _message(self, frame: list[float], text: str, colour: str) -> None:
        left, bottom, width, height = self._box(*frame)
        self.figure.text(left + width / 2, bottom + height / 2, text, color=colour, fontsize=12, ha="center",
                         va="center", wrap=True)

    # --- panel kinds ------------------------------------------------------------------------------------------
    def _timeseries(self, frame: list[float], panel: dict, series: dict[str, tuple[PanelQuery, list]]) -> None:
        defaults = panel.get("fieldConfig", {}).get("defaults", {})
        unit = defaults.get("unit")
        lines = [(display.legend_name(query.legend, s["metric"]), s["values"])
                 for query, result in series.values() for s in result]
        legend_rows = min(4, (len(lines) + 3) // 4)
        x, y, w, h = frame
        axes = self.figure.add_axes(self._box(x + 72, y, w - 78, h - 22 - 18 * legend_rows))
        for index, (name, values) in enumerate(lines):
            times = [datetime.fromtimestamp(float(t)) for t, _ in values]
            axes.plot(times, [float(v) for _, v in values], color=display.PALETTE[index % len(display.PALETTE)],
                      linewidth=1.8, label=name, marker="o" if len(values) < 3 else None, markersize=3)
        axes.set_xlim(datetime.fromtimestamp(self.time_range.start), datetime.fromtimestamp(self.time_range.end))
        if "min" in defaults:
            axes.set_ylim(bottom=defaults["min"])
        if "max" in defaults:
            axes.set_ylim(top=defaults["max"] * 1.05)
        axes.set_facecolor(display.PANEL)
        axes.grid(color=display.BORDER, linewidth=0.6)
        axes.tick_params(colors=display.MUTED, labelsize=8)
        for spine in axes.spines.values():
            spine.set_visible(False)
        axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
        span = self.time_range.end - self.time_range.start
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S" if span <= 600 else "%H:%M"))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: display.format_value(value, unit)))
        axes.legend(loc="upper left", bbox_to_anchor=(-0.03, -0.1), ncol=4, frameon=False, fontsize=8,
                    labelcolor=display.TEXT, handlelength=1.2)

    def _stat(self, frame: list[float], panel: dict, series: dict[str, tuple[PanelQuery, list]]) -> None:
        defaults = panel.get("fieldConfig", {}).get("defaults", {})
        steps = defaults.get("thresholds", {}).get("steps", [])
        values = []
        for query, result in series.values():
            for s in result:
                sample = s.get("value") or (s.get("values") or [[0, "nan"]])[-1]
                values.append((display.legend_name(query.legend, s["metric"]), float(sample[1])))
        values.sort()
        x, y, w, h = frame
        slot = w / len(values)
        for index, (name, value) in enumerate(values):
            text_and_colour = display.mapped(value, defaults.get("mappings"))
            text, colour = text_and_colour or (display.format_value(value, defaults.get("unit")),
                                               display.threshold_color(value, steps))
            left, bottom, width, height = self._box(x + index * slot, y, slot, h)
            size = max(14, min(40, h * 0.45, slot / max(3, len(text)) * 1.3))
            self.figure.text(left + width / 2, bottom + height * 0.42, text, color=colour, fontsize=size,
                             weight="bold", ha="center", va="center")
            self.figure.text(left + width / 2, bottom + height * 0.9, name, color=display.TEXT, fontsize=10,
                             ha="center", va="center")

    def _table(self, frame: list[float], panel: dict, series: dict[str, tuple[PanelQuery, list]]) -> None:
        header, rows = table_rows(panel, series)
        overrides = {o["matcher"]["options"]: {p["id"]: p["value"] for p in o["properties"]}
                     for o in panel.get("fieldConfig", {}).get("overrides", [])
                     if o.get("matcher", {}).get("id") == "byName"}
        x, y, w, h = frame
        row_px = 24
        visible = max(1, int(h // row_px) - 1)
        column_px = w / len(header)
        for column, name in enumerate(header):
            left, bottom, _, _ = self._box(x + column * column_px, y, column_px, row_px)
            self.figure.text(left, bottom + (row_px / 2) / self.height_px, name, color=display.color("blue"),
                             fontsize=10, weight="bold", va="center")
        for line, row in enumerate(rows[:visible]):
            top = y + (line + 1) * row_px
            left, bottom, width, _ = self._box(x, top, w, row_px)
            self.figure.lines.append(plt.Line2D([left, left + width], [bottom + row_px / self.height_px] * 2,
                                                transform=self.figure.transFigure, color=display.BORDER, linewidth=0.6))
            for column, name in enumerate(header):
                cell = row.get(name)
                text, colour = cell_text(cell, overrides.get(name, {}))
                cell_left, cell_bottom, _, _ = self._box(x + column * column_px, top, column_px, row_px)
                self.figure.text(cell_left, cell_bottom + (row_px / 2) / self.height_px, text, color=colour,
                                 fontsize=9.5, va="center")
        if len(rows) > visible:
            left, bottom, width, _ = self._box(x, y + h - row_px / 2, w, row_px / 2)
            self.figure.text(left + width, bottom, f"+{len(rows) - visible} more rows", color=display.MUTED,
                             fontsize=8, ha="right")


def table_rows(panel: dict, series: dict[str, tuple[PanelQuery, list]]) -> tuple[list[str], list[dict]]:
    """Header and rows as Grafana's table shows instant queries after the panel's merge and organize transforms."""
    several = len(series) > 1
    merged: dict[tuple, dict] = {}
    for ref, (_, result) in series.items():
        for s in result:
            labels = {k: v for k, v in s["metric"].items() if k != "__name__"}
            row = merged.setdefault(tuple(sorted(labels.items())), dict(labels))
            row[f"Value #{ref}" if several else "Value"] = float(s["value"][1])
    organize = next((t["options"] for t in panel.get("transformations", []) if t.get("id") == "organize"), {})
    fields = list(organize.get("includeByName") or sorted({k for row in merged.values() for k in row}))
    fields.sort(key=lambda name: organize.get("indexByName", {}).get(name, len(fields)))
    rename = organize.get("renameByName", {})
    rows = [{rename.get(name, name): row.get(name) for name in fields} for row in merged.values()]
    header = [rename.get(name, name) for name in fields]
    sort = (panel.get("options", {}).get("sortBy") or [{}])[0]
    if sort.get("displayName") in header:
        key = sort["displayName"]
        rows.sort(key=lambda row: (row.get(key) is None, row.get(key) or 0), reverse=bool(sort.get("desc")))
        if sort.get("desc"):  # rows without a value stay last
            rows.sort(key=lambda row: row.get(key) is None)
    else:
        rows.sort(key=lambda row: [str(row.get(name, "")) for name in header])
    return header, rows


def cell_text(cell, properties: dict) -> tuple[str, str]:
    if cell is None:
        return "", display.MUTED
    if isinstance(cell, str):
        return cell, display.TEXT
    return display.mapped(cell, properties.get("mappings")) or (
        display.format_value(cell, properties.get("unit")), display.TEXT)


@dataclass(frozen=True)
class Snapshot:
    path: Path
    empty_panels: list[str]


def snapshot_all(client: PrometheusClient, out_dir: Path = SNAPSHOT_DIR, range_seconds: float | None = None,
                 dashboards: list[dict] | None = None) -> list[Snapshot]:
    """Draw every dashboard to `<out_dir>/<uid>.png`; says which panels had no data."""
    time_range = TimeRange.ending_now(client, range_seconds or duration_seconds(DEFAULT_RANGE))
    snapshots = []
    for model in dashboards if dashboards is not None else load_rendered():
        drawing = DashboardSnapshot(client, model, time_range)
        path = drawing.draw(Path(out_dir) / f"{model['uid']}.png")
        snapshots.append(Snapshot(path, drawing.empty_panels))
    return snapshots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.snapshot", description=__doc__.splitlines()[0])
    parser.add_argument("--platform", default="local", help="platform whose Prometheus to query (local|kind)")
    parser.add_argument("--prometheus-url", help="a Prometheus of your own to query, without credentials (default: "
                        "$PROMETHEUS_URL, else the running platform's, with its administrator's login)")
    parser.add_argument("--range", default=DEFAULT_RANGE, help=f"time range ending now (default {DEFAULT_RANGE})")
    parser.add_argument("--out", type=Path, default=SNAPSHOT_DIR, help="where the PNGs go (default .state/snapshots)")
    args = parser.parse_args(argv)
    try:
        client = PrometheusClient(args.prometheus_url) if args.prometheus_url else prometheus_of(args.platform)
        snapshots = snapshot_all(client, args.out, duration_seconds(args.range))
    except (PrometheusNotFoundError, PrometheusError, ConnectionError, ValueError) as exc:
        print(f"snapshot: {exc}", file=sys.stderr)
        return 1
    for snapshot in snapshots:
        empty = f"  (no data: {', '.join(snapshot.empty_panels)})" if snapshot.empty_panels else ""
        print(f"{snapshot.path}{empty}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
