"""A stand-in `kind` that records its arguments: the tests of `make up|down|image PLATFORM=kind` need no Docker."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

FAKE_KIND = textwrap.dedent('''\
    #!{python}
    """Records each call; `create cluster` writes a kubeconfig, `get clusters` lists created ones."""
    import json, sys, time
    from pathlib import Path
    state = Path({state!r})
    calls = json.loads(state.read_text()) if state.exists() else []
    calls.append(sys.argv[1:])
    state.write_text(json.dumps(calls))
    args = sys.argv[1:]
    if args[:2] == ["get", "clusters"]:
        print("\\n".join(a.split("=", 1)[1] for c in calls if c[:2] == ["create", "cluster"]
                         for a in c if a.startswith("--name=")))
    elif args[:2] == ["create", "cluster"]:
        if {slow}:
            time.sleep(30)
        kubeconfig = next(a.split("=", 1)[1] for a in args if a.startswith("--kubeconfig="))
        Path(kubeconfig).write_text("""apiVersion: v1
    kind: Config
    clusters: [{{name: kind-simplepipe, cluster: {{server: "https://127.0.0.1:1"}}}}]
    users: [{{name: kind-simplepipe, user: {{token: t}}}}]
    contexts: [{{name: kind-simplepipe, context: {{cluster: kind-simplepipe, user: kind-simplepipe}}}}]
    current-context: kind-simplepipe
    """)
    ''')


def fake_kind(tmp_path: Path, slow: bool = False) -> tuple[str, Path]:
    """The stand-in at tmp_path/bin/kind, and the file where it records its calls (a JSON list of argv)."""
    state = tmp_path / "calls.json"
    kind = tmp_path / "bin" / "kind"
    kind.parent.mkdir()
    kind.write_text(FAKE_KIND.format(python=sys.executable, state=str(state), slow=slow))
    kind.chmod(0o755)
    return str(kind), state
