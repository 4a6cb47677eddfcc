"""The one writer of generated YAML that people read: manifests, charts, rules.

Multi-line strings (scripts, files in ConfigMaps, long PromQL) as literal `|` blocks; no anchors for
an object used twice (labels as selectors), so every document reads on its own."""
from __future__ import annotations

import yaml


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _str)


def dump(*documents: object, width: int = 80) -> str:
    """The documents as one YAML stream (`---` between them), keys in their order."""
    return "---\n".join(yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=width) for doc in documents)
