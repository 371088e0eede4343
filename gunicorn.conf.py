"""gunicorn settings for production (`gunicorn -c gunicorn.conf.py wsgi:app`).

Threaded workers (gthread): a consumer on a slow mobile link uploading a scan holds a thread,
not a whole process (SPEC §5). Every value can be overridden from the environment."""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", min(4, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", 8))
# A request that takes longer is a bug or an attack; uploads are buffered by nginx first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# No keep-alive here: nginx keeps the browsers' connections and opens one to gunicorn per
# request (its default). A kept-alive connection stays with the worker that accepted it, so
# a few busy clients could pile onto one worker while the other idles (measured with 16
# clients: 14 connections on one worker, 2 on the other). Closed after each response, the
# next request goes to whichever worker is free. Serving browsers directly: set it to 2-5.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 0))
# Recycle workers now and then, so a slow leak never grows without bound.
# Not too often: a new worker spends seconds of CPU importing the app, and under load a
# restart every 5,000 requests (measured: every half minute) put seconds into the latency tail.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 50000))
max_requests_jitter = 5000
# The app object is created once before forking; its database pools are created lazily.
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
# No query strings in the log: reset tokens live in paths, never in queries, but filters
# may name a person's street.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Limits on the request line and headers; the body limit is MAX_CONTENT_LENGTH in the app.
limit_request_line = 8190
limit_request_fields = 100


def post_worker_init(worker):
    """The app is loaded: its modules, classes, functions and mappers live as long as the
    worker. Frozen, the collector stops walking them, and a full collection, which stops every
    thread of the worker, takes 4 ms instead of 90 (measured on the portal: 150,000 objects)."""
    gc.freeze()
