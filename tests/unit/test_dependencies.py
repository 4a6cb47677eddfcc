"""What the installed environment must not contain for the product to keep its promises."""
from importlib import metadata

import urllib3


def test_urllib3_is_urllib3_not_a_replacement_installed_over_it():
    # urllib3-future (pulled in by niquests) installs its own `urllib3` package over the real one; its
    # sockets ignore the per-attempt deadline the Pushgateway client sets (a dribbling gateway then hangs).
    try:
        metadata.version("urllib3-future")
    except metadata.PackageNotFoundError:
        pass
    else:
        raise AssertionError("urllib3-future is installed and replaces urllib3; pin what pulled it in")
    assert urllib3.__version__ == metadata.version("urllib3")
