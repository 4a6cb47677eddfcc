"""Broken variants of the rendered cluster: the tests of each whole-cluster check show it failing on one."""
from __future__ import annotations

import copy
import dataclasses

from harness.kind import rendered


def tampered(cluster: rendered.RenderedCluster, change=None, add: list[dict] = (), drop=None) -> rendered.RenderedCluster:
    """A deep copy of the cluster with `change(obj)` applied to every object, objects added or dropped."""
    objects = []
    for o in cluster.objects:
        if drop and drop(o):
            continue
        obj = copy.deepcopy(o.obj)
        if change:
            change(obj)
        objects.append(dataclasses.replace(o, obj=obj))
    objects += [rendered.RenderedObject("test/tamper", "tamper.yaml", obj) for obj in add]
    return dataclasses.replace(cluster, objects=objects)


def named(kind: str, name: str, change):
    """A `change` for `tampered` that applies `change` only to the object of that kind and name."""
    def apply(obj):
        if obj.get("kind") == kind and obj["metadata"].get("name") == name:
            change(obj)
    return apply
