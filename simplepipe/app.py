"""Legacy entry point of the seed image: `python3 app.py METRICS_FILE JOB_NAME`.

The Pushgateway address comes from PUSH_GATEWAY_HOSTNAME (or SIMPLEPIPE_PUSHGATEWAY_URL); it is
`simplepipe push METRICS_FILE --job JOB_NAME`, with the same validation and exit codes.
"""
import sys

from simplepipe.cli import EXIT_USAGE, main


def legacy_main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        print("usage: python3 app.py METRICS_FILE JOB_NAME  (gateway: $PUSH_GATEWAY_HOSTNAME)", file=sys.stderr)
        return EXIT_USAGE
    return main(["push", argv[0], "--job", argv[1]])


if __name__ == "__main__":
    sys.exit(legacy_main(sys.argv[1:]))
