"""Running the app under gunicorn, the production WSGI server."""
from __future__ import annotations

import gc
import os

from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    """Gunicorn's usual 2 × cores + 1, capped for small machines."""
    return min(2 * (os.cpu_count() or 1) + 1, 9)


class KitServer(BaseApplication):
    """A gunicorn application that builds the Flask app in each worker."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        import logging

        from . import create_app
        # The app's own JSON request log replaces gunicorn's access log, which would print
        # paths that can carry private tokens.
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        app = create_app()
        # Everything loaded so far (about 120 000 objects: modules, the app, SQLAlchemy's
        # mappings) lives as long as the worker. Moved out of the garbage collector's sight,
        # it no longer makes each full collection a 50-65 ms pause in the middle of a request.
        gc.collect()
        gc.freeze()
        return app


def run_server(bind: str, workers: int, threads: int, timeout: int = 30) -> None:
    """Serve until stopped."""
    KitServer({"bind": bind, "workers": workers, "threads": threads, "timeout": timeout,
               "accesslog": None, "errorlog": "-",
               "worker_class": "gthread" if threads > 1 else "sync",
               # gunicorn 24+ listens on ~/.gunicorn/gunicorn.ctl, one path for every server the
               # user runs (a second `pif serve` takes it over); the kit does not use it.
               "control_socket_disable": True}).run()
