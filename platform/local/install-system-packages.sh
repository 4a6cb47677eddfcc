#!/usr/bin/env bash
# Installs Debian's servers the local backend runs (prometheus, promtool,
# prometheus-pushgateway, prometheus-alertmanager), wrk for the load test's ceiling measurement and
# chromium-headless-shell, the browser the e2e report's test opens it in.
# Does nothing where they are already installed; skips with a note where apt is
# not available (the harness then looks on PATH or downloads the official release).
set -euo pipefail
need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
command -v prometheus-pushgateway >/dev/null || command -v pushgateway >/dev/null || need+=(prometheus-pushgateway)
command -v prometheus-alertmanager >/dev/null || command -v alertmanager >/dev/null || need+=(prometheus-alertmanager)
command -v wrk >/dev/null || need+=(wrk)
command -v chromium-headless-shell >/dev/null || command -v chromium >/dev/null || need+=(chromium-headless-shell)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "note: no apt-get here; missing: ${need[*]} (the harness will look on PATH or download official releases)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${need[*]}" >&2
$sudo apt-get update -qq
# Debian's postinst may start the packaged services: the harness runs its own, so stop them.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
for svc in prometheus prometheus-pushgateway prometheus-alertmanager prometheus-node-exporter; do
  $sudo service "$svc" stop >/dev/null 2>&1 || true
done
