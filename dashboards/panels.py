"""Panel vocabulary of our dashboards on top of grafana-foundation-sdk: queries, variables, the three panel kinds."""
from __future__ import annotations

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import prometheus, stat, table, timeseries
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    DataTransformerConfig,
    DynamicConfigValue,
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMappingResult,
    VariableRefresh,
    VariableSort,
)
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

# Every panel reads the Prometheus picked in the dashboard's `datasource` variable:
# the local Prometheus, or kube-prometheus-stack's on kind, without editing the JSON.
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
# The value of $tenant when "All" is selected: a regex, since panels match `tenant=~"$tenant"`.
ALL_TENANTS = ".*"


def datasource_variable() -> dashboard_builders.DatasourceVariable:
    return dashboard_builders.DatasourceVariable("datasource").label("Prometheus").type("prometheus")


def tenant_variable() -> dashboard_builders.QueryVariable:
    # Tenants that pushed something: push_time_seconds exists for every pushed group.
    return (
        dashboard_builders.QueryVariable("tenant")
        .label("Tenant")
        .datasource(DATASOURCE)
        .query("label_values(push_time_seconds, tenant)")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(ALL_TENANTS)
    )


def query(expr: str, legend: str = "", *, ref: str = "A", instant: bool = False, table_format: bool = False):
    target = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(DATASOURCE)
    if legend:
        target = target.legend_format(legend)
    if instant:
        target = target.instant()
    else:
        target = target.range()
    if table_format:
        target = target.format(PromQueryFormat.TABLE)
    return target


def thresholds(*steps: tuple[float | None, str]) -> dashboard_builders.ThresholdsConfig:
    """Colour steps: (None, base colour), then (value, colour from this value up)."""
    return (
        dashboard_builders.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=value, color=color) for value, color in steps])
    )


def value_texts(texts: dict[str, tuple[str, str]]) -> list[ValueMap]:
    """Show e.g. 0 as ("failed", "red")."""
    return [ValueMap(options={value: ValueMappingResult(text=text, color=color, index=index)
                              for index, (value, (text, color)) in enumerate(texts.items())})]


def timeseries_panel(title: str, description: str, targets: list, *, unit: str, width: int, height: int = 8,
                     minimum: float | None = None, maximum: float | None = None) -> timeseries.Panel:
    panel = (
        _framed(timeseries.Panel(), title, description, targets, width, height)
        .unit(unit)
        .line_width(2)
        .fill_opacity(10)
        .show_points(common.VisibilityMode.AUTO)
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
    )
    if minimum is not None:
        panel = panel.min(minimum)
    if maximum is not None:
        panel = panel.max(maximum)
    return panel


def stat_panel(title: str, description: str, targets: list, *, unit: str, width: int, height: int = 5,
               steps: tuple[tuple[float | None, str], ...] = ((None, "green"),),
               mappings: dict[str, tuple[str, str]] | None = None) -> stat.Panel:
    panel = (
        _framed(stat.Panel(), title, description, targets, width, height)
        .unit(unit)
        .thresholds(thresholds(*steps))
        .color_mode(common.BigValueColorMode.VALUE)
        .graph_mode(common.BigValueGraphMode.NONE)
        .text_mode(common.BigValueTextMode.VALUE_AND_NAME)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    if mappings:
        panel = panel.mappings(value_texts(mappings))
    return panel


def table_panel(title: str, description: str, targets: list, *, columns: dict[str, str], width: int,
                height: int = 8, units: dict[str, str] | None = None,
                mappings: dict[str, dict[str, tuple[str, str]]] | None = None,
                sort_by: str | None = None) -> table.Panel:
    """A table of instant queries; `columns` maps each shown field (label or `Value #<ref>`) to its header.

    Several targets are merged into one row per label set, as Grafana's `merge` transformation does.
    """
    shown = list(columns)
    panel = _framed(table.Panel(), title, description, targets, width, height).show_header(True)
    if len(targets) > 1:
        panel = panel.with_transformation(DataTransformerConfig(id_val="merge", options={}))
    panel = panel.with_transformation(DataTransformerConfig(id_val="organize", options={
        # Fields not listed (Time, __name__, ...) are hidden.
        "includeByName": {name: True for name in shown},
        "indexByName": {name: index for index, name in enumerate(shown)},
        "renameByName": dict(columns),
    }))
    for field, unit in (units or {}).items():
        panel = panel.override_by_name(columns.get(field, field), [_property("unit", unit)])
    for field, texts in (mappings or {}).items():
        panel = panel.override_by_name(columns.get(field, field), [
            _property("mappings", value_texts(texts)),
            _property("custom.cellOptions", {"type": "color-text"}),
        ])
    if sort_by:
        panel = panel.sort_by([common_builders.TableSortByFieldState().display_name(sort_by).desc(True)])
    return panel


def _framed(panel, title: str, description: str, targets: list, width: int, height: int):
    """What every panel kind sets alike: title, description, data source, queries and grid size."""
    return (
        panel.title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(targets)
        .span(width)
        .height(height)
    )


def _property(name: str, value: object) -> DynamicConfigValue:
    return DynamicConfigValue(id_val=name, value=value)
