"""`python -m bench.part NAME [--quick]`: run one part in this process, print its figures as one JSON line."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys

from bench.parts import PARTS
from cloudgate.runtime import tune_gc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", choices=list(PARTS))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="  %(relativeCreated)7.0f ms %(name)s: %(message)s")  # fmt: skip
    logging.getLogger("bench").setLevel(logging.INFO)  # progress lines; the gateway's own logs stay at warnings
    tune_gc()  # in-process gateways run as `cloudgate serve` runs one
    figures = importlib.import_module(PARTS[args.name]).run(args.quick)
    json.dump(figures, sys.stdout)
    print()


if __name__ == "__main__":
    main()
