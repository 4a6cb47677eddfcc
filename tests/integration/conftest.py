"""Session fixtures for integration tests: real Pushgateways on free ports (see pushgateway_server.py)."""
from pushgateway_server import auth_pushgateway, pushgateway, tls_pushgateway  # noqa: F401  (fixtures)
