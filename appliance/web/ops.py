"""Operations: a correlation id and an access-log line per request, HTTP metrics, /metrics for
Prometheus and the AI health API for the console's health panel."""
from __future__ import annotations

import hmac
import ipaddress
import logging
import time

from flask import Flask, Response, current_app, g, request
from flask_smorest import Blueprint

from ..errors import Forbidden
from ..logs import new_request_id, request_id
from ..metrics import CONTENT_TYPE
from .auth import admin_required, services
from .schemas import HealthOut

logger = logging.getLogger(__name__)

blp = Blueprint("ops", __name__, url_prefix="/api/v1", description="AI health")


@blp.route("/health", methods=["GET"])
@blp.response(200, HealthOut)
@admin_required
def health():
    """The local model's and the cloud fallback's state, the AI's recent figures and alerts."""
    return services().health.report(g.company)


def _may_read_metrics() -> bool:
    """Loopback callers may; others only with the metrics_token setting as a bearer token."""
    token = services().settings.metrics_token
    if token:
        sent = request.headers.get("Authorization", "")
        if sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].strip().encode(), token.encode()):
            return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def init_app(app: Flask) -> None:

    @app.before_request
    def _start_request():
        g.request_started = time.perf_counter()
        g.request_id = new_request_id(request.headers.get("X-Request-Id"))
        g.request_id_token = request_id.set(g.request_id)

    @app.after_request
    def _finish_request(response):
        started = g.pop("request_started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
        hearth = current_app.extensions["hearth"]
        if hearth.metrics is not None:
            hearth.metrics.observe_http(route, request.method, response.status_code, seconds)
        response.headers["X-Request-Id"] = g.request_id
        # Only the route and outcome: never the query string, the body, cookies or headers.
        logger.info("%s %s %s", request.method, route, response.status_code,
                    extra={"method": request.method, "route": route, "status": response.status_code,
                           "duration_ms": round(seconds * 1000, 1)})
        return response

    @app.teardown_request
    def _end_request(_exc):
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                request_id.reset(token)
            except ValueError:  # torn down in another context: nothing of ours to undo
                pass

    @app.get("/metrics")
    def metrics():
        if not _may_read_metrics():
            raise Forbidden("/metrics is readable from this machine only; set metrics_token and send it as "
                            "'Authorization: Bearer <token>' to read it from elsewhere")
        return Response(current_app.extensions["hearth"].metrics.exposition(), mimetype=None,
                        content_type=CONTENT_TYPE)
