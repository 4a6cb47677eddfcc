"""Kubernetes resource quantities ("250m", "1", "64Mi", "1G") as numbers, and back, for summing requests."""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

# Suffixes of Kubernetes' quantity format: binary, decimal SI, and milli.
_FACTORS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
            "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18, "m": Decimal("0.001"), "": 1}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$")


class QuantityError(ValueError):
    """Not a Kubernetes quantity."""


def value(quantity: str | int | float) -> Decimal:
    """The quantity as a number of its base unit (cores for CPU, bytes for memory)."""
    match = _QUANTITY.match(str(quantity).strip())
    if not match:
        raise QuantityError(f"{quantity!r} is not a Kubernetes quantity (e.g. 250m, 1, 64Mi, 1Gi)")
    try:
        return Decimal(match[1]) * Decimal(_FACTORS[match[2] or ""])
    except InvalidOperation:
        raise QuantityError(f"{quantity!r} is not a Kubernetes quantity") from None


def millicores(quantity: str | int | float) -> int:
    """A CPU quantity in millicores ("250m" -> 250, "1" -> 1000), rounded up as the scheduler does."""
    return math.ceil(value(quantity) * 1000)


def mebibytes(quantity: str | int | float) -> float:
    """A memory quantity in MiB ("64Mi" -> 64.0, "1G" -> 953.67...)."""
    return float(value(quantity) / 2**20)


def cpu_text(millis: int) -> str:
    """Millicores as people read them: 950m, 2.45 cores."""
    return f"{millis}m" if millis < 1000 else f"{millis / 1000:.2f} cores"


def memory_text(mib: float) -> str:
    """MiB as people read them: 290 MiB, 1.5 GiB."""
    return f"{mib:.0f} MiB" if mib < 1024 else f"{mib / 1024:.2f} GiB"
