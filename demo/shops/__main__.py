"""``python -m demo.shops``: run the demo shops, write the bench shop or the example files.

    python -m demo.shops serve [--day N] [--port-base P] [--seed S]
    python -m demo.shops generate --products 5000 --style jsonld|plain --out DIR
    python -m demo.shops examples [--out examples]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from demo.shops.config import DEFAULT_PORT_BASE, competitors_yaml
from demo.shops.spec import SHOP_NAMES, day_date


def _serve(args: argparse.Namespace) -> int:
    from demo.shops.server import start_shops

    ports = None
    if args.port_base:
        ports = {shop: args.port_base + i for i, shop in enumerate(SHOP_NAMES)}
    try:
        handle = start_shops(day=args.day, seed=args.seed, host=args.host, ports=ports)
    except OSError as exc:
        print(f"cannot start the demo shops: {exc} (try another --port-base)", file=sys.stderr)
        return 1
    with handle:
        # Ctrl-C stops cleanly from here on, even while the URLs are being printed: with
        # unbuffered output (PYTHONUNBUFFERED) a reader sees them one by one, and may press
        # Ctrl-C before the last one is out
        try:
            print(f"demo shops, day {handle.day} ({day_date(handle.day)}), seed {args.seed}:")
            for shop, url in handle.base_urls.items():
                print(f"  {shop:<12} {url}")
            print("change the day: curl -d 3 <any base URL>__control/day   (Ctrl-C stops)")
            if args.competitors:
                Path(args.competitors).write_text(competitors_yaml(handle.base_urls),
                                                  encoding="utf-8")
                print(f"wrote {args.competitors}")
            sys.stdout.flush()
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopping")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from demo.shops.static import generate_static

    if args.products < 1:
        print("--products must be at least 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    stats = generate_static(Path(args.out), products=args.products, style=args.style,
                            seed=args.seed)
    took = time.perf_counter() - started
    print(f"wrote {stats.pages} product pages ({stats.bytes / stats.pages / 1024:.1f} KB each on"
          f" average), {stats.listing_pages} listing pages, sitemap.xml and robots.txt to "
          f"{args.out} in {took:.1f} s")
    return 0


def _examples(args: argparse.Namespace) -> int:
    from demo.shops.catalog import write_examples
    from demo.shops.config import default_base_urls

    out = Path(args.out)
    written = write_examples(out, seed=args.seed)
    competitors = out / "competitors.yaml"
    competitors.write_text(competitors_yaml(default_base_urls()), encoding="utf-8")
    for path in [*written, competitors]:
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.shops", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=42, help="universe seed (default 42)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the demo shops until Ctrl-C")
    serve.add_argument("--day", type=int, default=0, help="simulated day to start at")
    serve.add_argument("--port-base", type=int, default=0,
                       help=f"first port (shops get P, P+1, ...; e.g. {DEFAULT_PORT_BASE});"
                            " default: free ports")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--competitors", metavar="FILE",
                       help="also write a competitors.yaml for the running shops")
    serve.set_defaults(func=_serve)

    generate = commands.add_parser("generate", help="write a static shop for benchmarks")
    generate.add_argument("--products", type=int, default=5000)
    generate.add_argument("--style", choices=("jsonld", "plain"), default="jsonld")
    generate.add_argument("--out", required=True, help="output directory")
    generate.set_defaults(func=_generate)

    examples = commands.add_parser("examples", help="write examples/ (catalog, mapping, "
                                                    "competitors.yaml)")
    examples.add_argument("--out", default="examples")
    examples.set_defaults(func=_examples)

    args = parser.parse_args(argv)
    if getattr(args, "day", 0) < 0:
        parser.error("--day must be >= 0")
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
