"""Simplepipe: validate metrics and push them to a tenant's Prometheus Pushgateway."""
