"""The WSGI entry point gunicorn loads: ``service.wsgi:app``."""

from __future__ import annotations

import gc
import logging
import sys

from flask import Flask

from service import logs
from service.app import create_app
from service.registry import RegistryError
from service.settings import Settings

APP_LOAD_ERROR = 4  # gunicorn stops the whole server, rather than respawning, on this exit code


def _load() -> Flask:
    settings = Settings()
    logs.configure(settings.log_level, json=settings.log_format == "json")
    try:
        return create_app(settings)
    except RegistryError as exc:
        logging.getLogger("roastnet").critical("cannot start: %s", exc)
        sys.exit(APP_LOAD_ERROR)


app = _load()
# What the app holds from its start (Flask, numpy, the models) lives as long as the worker: keep
# it out of the cyclic collector's full passes, which otherwise walk all of it again and again
# while a large answer is built (about a third of a 10,000-reading explained predict).
gc.freeze()
