"""Serve the console: `python -m console [--host 127.0.0.1] [--port 8090]`.

Waitress (a production WSGI server) when installed, else Flask's development server with a
warning. The database schema is brought up to date at start-up.
"""

from __future__ import annotations

import argparse
import logging

from bot.logsafe import install as install_log_filter
from bot.settings import load_settings
from console.app import create_app

log = logging.getLogger("console")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    install_log_filter()
    app = create_app(load_settings())  # built here, once, and passed down
    try:
        from waitress import serve
    except ImportError:
        log.warning("waitress is not installed: using Flask's development server")
        app.run(host=args.host, port=args.port)
        return 0
    log.info("console on http://%s:%d/", args.host, args.port)
    # Idle or slow connections are closed after channel_timeout and many may wait at once:
    # with waitress's defaults (100 connections, 120 s) a hundred idle sockets stopped it.
    serve(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="triage-console",
        connection_limit=1000,
        channel_timeout=20,
        cleanup_interval=5,
        backlog=1024,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
