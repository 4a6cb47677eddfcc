"""One more tenant, as an administrator would add it: the tests that try what adding a tenant does."""
from __future__ import annotations

import itertools
from typing import Iterable

from harness.tenants import Tenant


def unused_name(taken: Iterable[str], base: str = "carol") -> str:
    """`base`, else the first of base2, base3, ... not in `taken`: a name for one more tenant, whatever
    tenants.yaml already holds (the tests that try what adding a tenant does)."""
    taken = set(taken)
    return next(name for name in itertools.chain([base], (f"{base}{n}" for n in itertools.count(2)))
                if name not in taken)


def one_more_tenant(tenants: list[Tenant], base: str = "carol", **fields) -> Tenant:
    """A tenant none of `tenants` clashes with (name, namespace, user, S3 key), as an administrator would add."""
    name = unused_name({t.name for t in tenants} | {t.namespace for t in tenants}, base)
    return Tenant(**{"name": name, "namespace": name, "username": name, "password": "pw", "local_port": 1, **fields})
