"""Entry script PyInstaller freezes: the same main() as the `neuroplay` console script."""

import sys

from app.main import main

if __name__ == "__main__":
    sys.exit(main())
