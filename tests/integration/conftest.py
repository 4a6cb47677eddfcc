"""Session fixtures for integration tests: real Pushgateways on free ports (see pushgateway_server.py) and a
real SeaweedFS S3 (seaweedfs_server.py)."""
from pushgateway_server import auth_pushgateway, pushgateway, tls_pushgateway  # noqa: F401  (fixtures)
from seaweedfs_server import s3  # noqa: F401  (fixture)
