"""Serving the app with uvicorn: in the foreground (`pricewatch web`) or in a thread beside
the scheduler (`pricewatch serve --web`)."""

from __future__ import annotations

import threading
from pathlib import Path

import uvicorn
from sqlalchemy import Engine

from monitor.matching import load_match_settings
from reports.config import load_report_settings
from web.app import create_app
from web.config import load_web_settings


def server(engine: Engine, host: str, port: int, settings_path: Path | None = None) -> uvicorn.Server:
    app = create_app(engine, load_web_settings(settings_path), load_report_settings(settings_path),
                     load_match_settings(settings_path))
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            proxy_headers=False, server_header=False)
    return uvicorn.Server(config)


def run(engine: Engine, host: str, port: int, settings_path: Path | None = None) -> None:
    """Serve until Ctrl-C / SIGTERM."""
    server(engine, host, port, settings_path).run()


def start_in_thread(engine: Engine, host: str, port: int,
                    settings_path: Path | None = None) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve from a background thread (uvicorn leaves signals to the main thread then);
    stop with `server.should_exit = True` and join the thread."""
    srv = server(engine, host, port, settings_path)
    thread = threading.Thread(target=srv.run, name="pricewatch-web", daemon=True)
    thread.start()
    return srv, thread
