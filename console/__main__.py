"""Serve the console: `python -m console [--host 127.0.0.1] [--port 8090]`.

Waitress (a production WSGI server) when installed, else Flask's development server with a
warning. The database schema is brought up to date at start-up.
"""

from __future__ import annotations

import argparse
import logging

from console.app import create_app

log = logging.getLogger("console")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app()
    try:
        from waitress import serve
    except ImportError:
        log.warning("waitress is not installed: using Flask's development server")
        app.run(host=args.host, port=args.port)
        return 0
    log.info("console on http://%s:%d/", args.host, args.port)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="triage-console")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
