"""Load tests of the platform's push path: Locust load (make load) and the push benchmark (make bench)."""
