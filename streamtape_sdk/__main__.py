"""`python -m streamtape_sdk ...` runs the `streamtape` command line."""

import sys

from streamtape_sdk.cli import main

if __name__ == "__main__":
    sys.exit(main())
