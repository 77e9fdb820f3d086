"""python -m kenny_wa.replica --scenario default --port 8080 [--era p6] [--lang pt-BR] …"""

from __future__ import annotations

import argparse

from .server import serve
from .state import LANGUAGES


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m kenny_wa.replica", description=__doc__)
    p.add_argument("--scenario", default="default", help="scenario name or path to a JSON file")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--era", choices=("p6", "p5", "p4"), default="p6")
    p.add_argument("--lang", default=None, choices=LANGUAGES,
                   help="the page language: words and formats (default: the browser's)")
    p.add_argument("--locale", default=None, help="date and time formats only, e.g. en-GB (default: --lang)")
    p.add_argument("--latency-ms", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    serve(a.scenario, a.port, a.era, a.locale, a.latency_ms, a.seed, a.lang)


if __name__ == "__main__":
    main()
