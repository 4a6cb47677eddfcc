"""How Grafana shows a value: units, value mappings, threshold colours, legend names."""
from __future__ import annotations

import math
import re
from datetime import datetime

# Grafana's dark theme and its classic palette, so a snapshot looks like the real thing.
BACKGROUND = "#111217"
PANEL = "#181b1f"
BORDER = "#2c3235"
TEXT = "#ccccdc"
MUTED = "#8e8e9e"
PALETTE = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#705da0", "#37872d",
           "#fade2a", "#447ebc", "#c15c17", "#890f02", "#0a437c", "#6d1f62", "#584477"]
NAMED_COLORS = {
    "green": "#73bf69", "red": "#f2495c", "yellow": "#fade2a", "orange": "#ff9830", "blue": "#5794f2",
    "purple": "#b877d9", "text": TEXT, "transparent": PANEL,
}
_LEGEND_LABEL = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def color(name: str | None) -> str:
    return NAMED_COLORS.get(name or "text", name or TEXT)


def legend_name(legend_format: str, labels: dict[str, str]) -> str:
    """A series' name as Grafana's legend shows it: the query's legendFormat, else the series selector."""
    if legend_format:
        return _LEGEND_LABEL.sub(lambda m: labels.get(m.group(1), ""), legend_format)
    name = labels.get("__name__", "")
    rest = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{rest}}}" if rest or not name else name


def threshold_color(value: float, steps: list[dict]) -> str:
    chosen = steps[0]["color"] if steps else "text"
    for step in steps:
        if step.get("value") is None or value >= step["value"]:
            chosen = step["color"]
    return color(chosen)


def mapped(value: float, mappings: list[dict]) -> tuple[str, str] | None:
    """(text, colour) of a value mapping that matches, e.g. 0 -> ("FAILED", red)."""
    key = str(int(value)) if float(value).is_integer() else str(value)
    for mapping in mappings or []:
        if mapping.get("type") == "value" and key in mapping.get("options", {}):
            result = mapping["options"][key]
            return result.get("text", key), color(result.get("color"))
    return None


def format_value(value: float, unit: str | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN"
    if unit == "dateTimeAsIso":
        return datetime.fromtimestamp(value / 1000).strftime("%Y-%m-%d %H:%M:%S")
    if unit == "s":
        return _duration(value)
    if unit == "bytes":
        return _scaled(value, 1024, [" B", " KiB", " MiB", " GiB", " TiB"])
    if unit == "reqps":
        return f"{_number(value)} req/s"
    if unit == "percentunit":
        return f"{_number(value * 100)}%"
    return _scaled(value, 1000, ["", " K", " Mil", " Bil"]) if abs(value) >= 1000 else _number(value)


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}" if abs(value) >= 1 else f"{value:.2g}"


def _scaled(value: float, base: int, suffixes: list[str]) -> str:
    index = 0
    while abs(value) >= base and index < len(suffixes) - 1:
        value /= base
        index += 1
    return f"{_number(round(value, 2))}{suffixes[index]}"


def _duration(seconds: float) -> str:
    magnitude = abs(seconds)
    if magnitude == 0:
        return "0 s"
    if magnitude < 1:
        return f"{_number(seconds * 1000)} ms"
    for size, name in ((86400, "day"), (3600, "hour"), (60, "min")):
        if magnitude >= size:
            return f"{_number(round(seconds / size, 2))} {name}"
    return f"{_number(round(seconds, 2))} s"
