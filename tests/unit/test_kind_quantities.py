"""Kubernetes quantities as numbers (harness/kind/quantities.py): what the node arithmetic adds up."""
from __future__ import annotations

import pytest

from harness.kind import quantities
from harness.kind.footprint import Amount
from harness.kind.scale import tenants_on_a_node


@pytest.mark.parametrize("text, millicores", [("250m", 250), ("1", 1000), ("0.5", 500), ("2", 2000), ("1001m", 1001),
                                              ("0.0001", 1), (0, 0)])
def test_cpu_in_millicores_rounded_up(text, millicores):
    assert quantities.millicores(text) == millicores


@pytest.mark.parametrize("text, mib", [("64Mi", 64.0), ("1Gi", 1024.0), ("512Ki", 0.5), ("1048576", 1.0),
                                       ("1M", 1e6 / 2**20), ("1e6", 1e6 / 2**20)])
def test_memory_in_mebibytes(text, mib):
    assert quantities.mebibytes(text) == pytest.approx(mib)


@pytest.mark.parametrize("text", ["", "64MB", "-1", "1.5.2", "Mi", "ten"])
def test_what_is_not_a_quantity_is_refused_by_name(text):
    with pytest.raises(quantities.QuantityError, match="is not a Kubernetes quantity"):
        quantities.value(text)


def test_the_node_holds_what_its_scarcer_resource_allows():
    node, base = Amount(4000, 8192.0), Amount(1185, 1002.0)
    # (4000-1185)/25 = 112 by CPU, (8192-1002)/72 = 99.86 by memory: memory ends it at 99.
    assert tenants_on_a_node(node, base, Amount(25, 72.0)) == (99, "memory")
    assert tenants_on_a_node(node, base, Amount(75, 72.0)) == (37, "CPU")
    assert tenants_on_a_node(Amount(1000, 512.0), base, Amount(25, 72.0)) == (0, "CPU")
