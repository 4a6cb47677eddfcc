"""The Pushgateway grouping key (`job` plus optional labels) and its URL path encoding."""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import quote

from simplepipe.errors import UsageError
from simplepipe.spec import LABEL_NAME

# Values a plain path segment would lose: the server's path cleaning drops or resolves `.` and `..`.
_DOT_SEGMENTS = (".", "..")


def encode_path_segment(label: str, value: str) -> str:
    """`label/<percent-encoded value>`, or `label@base64/<url-safe base64>` (the Pushgateway's documented
    form) for a value that a plain segment would not carry intact: empty, `.`, `..`, or holding '/'."""
    if not value:
        return f"{label}@base64/="  # the Pushgateway's spelling of the empty value
    if "/" in value or value in _DOT_SEGMENTS:
        encoded = base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii")
        return f"{label}@base64/{encoded}"
    return f"{label}/{quote(value, safe='')}"


@dataclass(frozen=True)
class GroupingKey:
    job: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.job, str) or not self.job:
            raise UsageError("the job name (--job) must be a non-empty string")
        for name, value in self.labels.items():
            if not isinstance(name, str) or not LABEL_NAME.fullmatch(name) or name.startswith("__"):
                raise UsageError(f"grouping key label {name!r} is not a valid label name")
            if name == "job":
                raise UsageError("the grouping key's 'job' comes from --job, not from --group")
            if not isinstance(value, str):
                raise UsageError(f"grouping key label {name!r} must have a string value, not {value!r}")

    @classmethod
    def of(cls, job: str, labels: Mapping[str, str] | None) -> "GroupingKey":
        """From the SDK's `job` and `grouping_key` arguments."""
        if labels is not None and not isinstance(labels, Mapping):
            raise UsageError(f"the grouping key must be a mapping of label name to value, not {type(labels).__name__}")
        return cls(job, dict(labels or {}))

    @classmethod
    def parse_pairs(cls, job: str, pairs: list[str] | None) -> "GroupingKey":
        """From the CLI's repeated `--group key=value`."""
        labels: dict[str, str] = {}
        for pair in pairs or []:
            name, sep, value = pair.partition("=")
            if not sep:
                raise UsageError(f"--group {pair!r}: expected key=value")
            if name in labels:
                raise UsageError(f"--group {name!r} given twice")
            labels[name] = value
        return cls(job, labels)

    def path(self) -> str:
        segments = [encode_path_segment("job", self.job)]
        segments += [encode_path_segment(k, v) for k, v in self.labels.items()]
        return "/metrics/" + "/".join(segments)

    def __str__(self) -> str:
        return ",".join(f"{k}={v!r}" for k, v in {"job": self.job, **self.labels}.items())
