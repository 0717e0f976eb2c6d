"""``python -m bench run SUITE`` from the repository root: the same as ``imx bench run SUITE``.

A thin shim so the harness runs from a checkout without installing imx; the
harness itself lives in the package (``imx/benchmark/``) so that an installed
imx has it too.  See bench/README.md.
"""
import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from imx.cli.main import main  # noqa: E402

if __name__ == "__main__":
    main(["bench", *sys.argv[1:]])
