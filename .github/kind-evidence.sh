#!/usr/bin/env bash
# What the kind CI job keeps when something failed: every resource, events, pod logs (kind export logs),
# and the digest of every image the node pulled (to pin them: platform/image-exceptions.yaml).
set -uo pipefail
out=${1:?usage: kind-evidence.sh OUT_DIR}
mkdir -p "$out"
kubectl=.venv/bin/kubectl
context=kind-simplepipe
"$kubectl" --context "$context" get all,workflows,servicemonitors,prometheusrules,networkpolicies -A -o wide \
  > "$out/resources.txt" 2>&1
"$kubectl" --context "$context" get events -A --sort-by=.lastTimestamp > "$out/events.txt" 2>&1
"$kubectl" --context "$context" get pods -A \
  -o jsonpath='{range .items[*]}{range .status.containerStatuses[*]}{.image}{"  "}{.imageID}{"\n"}{end}{end}' \
  | sort -u > "$out/images.txt" 2>&1
kind export logs "$out/kind-logs" --name simplepipe > /dev/null 2>&1
exit 0
