"""``python -m sim.app``: serve the carepath web app (``--help`` lists the options)."""
from __future__ import annotations

import argparse
import socket
import sys

from ..jobs.runner import available_cores
from . import DEFAULT_OUTPUTS, create_app

DESCRIPTION = ("Serve the carepath web app: choose a place, year, scenario and capacities, run, compare and download "
               "in a browser, with the same numbers as python -m sim.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="carepath app", description=DESCRIPTION)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to serve on (default 127.0.0.1, this machine only; 0.0.0.0 serves a team)")
    parser.add_argument("--port", type=int, default=8050, help="port (default 8050; 0 picks a free one)")
    parser.add_argument("--workers", type=int, default=available_cores(),
                        help="cores that runs of all sessions may use at once; more runs queue (default: every core)")
    parser.add_argument("--outputs", default=str(DEFAULT_OUTPUTS),
                        help=f"folder for the runs' output files (default {DEFAULT_OUTPUTS})")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers: expected a positive number of cores")
    import uvicorn

    app = create_app(args.workers, args.outputs)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))                       # bound first, so the address printed is the real one
    port = sock.getsockname()[1]
    sock.listen(128)      # listening before the address is printed: a browser that opens it at once waits, not refused
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    print(f"carepath app: http://{shown}:{port}  ({args.workers} core(s) for runs; Ctrl+C stops)", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
