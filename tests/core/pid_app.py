"""A WSGI app that answers with its worker's process id, or at /frozen with the number of
objects the worker froze out of the garbage collector's sight (tests/core/test_serving.py)."""

import gc
import os


def app(environ, start_response):
    value = gc.get_freeze_count() if environ.get("PATH_INFO") == "/frozen" else os.getpid()
    body = str(value).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
