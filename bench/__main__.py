"""`make bench`: every benchmark, printed as one JSON report.

Usage: `python -m bench [--seconds 3]` (seconds per page measurement).
"""

from __future__ import annotations

import argparse
import asyncio
import json

from bench import pages, text

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    seconds = parser.parse_args().seconds
    report = {"pages": asyncio.run(pages.measure(seconds)), "text": text.measure()}
    print(json.dumps(report, indent=2))
