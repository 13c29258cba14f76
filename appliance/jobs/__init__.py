"""Scheduled work. Each job is a one-line call into a service; the scheduler runs in the server."""
from __future__ import annotations

import logging

from ..db import database
from ..services import Services

logger = logging.getLogger(__name__)

SLA_CHECK_SECONDS = 30
WEBHOOK_RETRY_SECONDS = 15
HEALTH_CHECK_SECONDS = 60


def check_sla(services: Services) -> None:
    """Fire every SLA warning and breach that is due (each once)."""
    with database.connection_context():
        services.sla.check_due()


def send_due_webhooks(services: Services) -> None:
    """Retry every webhook delivery whose next attempt is due."""
    with database.connection_context():
        services.webhooks.run_due()


def check_health(services: Services) -> None:
    """Ask the local model whether it answers and raise or clear the AI health alerts."""
    with database.connection_context():
        services.health.check()
def daily_backup(services: Services) -> None:
    """The daily backup of the whole installation, keeping the newest ``backup_keep``."""
    with database.connection_context():
        services.backups.scheduled()


def apply_retention(services: Services) -> None:
    """Delete or anonymise conversations past each company's retention period."""
    with database.connection_context():
        services.retention.apply_all()


def start_scheduler(services: Services):
    """Start the gevent scheduler: SLA checks now (catching up on anything missed while Hearth was
    down) and every 30 seconds."""
    from apscheduler.schedulers.gevent import GeventScheduler

    scheduler = GeventScheduler(timezone="UTC")
    scheduler.add_job(check_sla, "interval", seconds=SLA_CHECK_SECONDS, args=[services], id="sla",
                      replace_existing=True, max_instances=1, coalesce=True, next_run_time=_now())
    scheduler.add_job(send_due_webhooks, "interval", seconds=WEBHOOK_RETRY_SECONDS, args=[services], id="webhooks",
                      replace_existing=True, max_instances=1, coalesce=True, next_run_time=_now())
    scheduler.add_job(check_health, "interval", seconds=HEALTH_CHECK_SECONDS, args=[services], id="health",
                      replace_existing=True, max_instances=1, coalesce=True, next_run_time=_now())
    # Daily at night (UTC); retention also once at start, catching up on days Hearth was off.
    scheduler.add_job(daily_backup, "cron", hour=2, minute=30, args=[services], id="backup",
                      replace_existing=True, max_instances=1, coalesce=True, misfire_grace_time=6 * 3600)
    scheduler.add_job(apply_retention, "cron", hour=3, minute=0, args=[services], id="retention",
                      replace_existing=True, max_instances=1, coalesce=True, misfire_grace_time=6 * 3600)
    scheduler.add_job(apply_retention, "date", run_date=_now(), args=[services], id="retention-at-start",
                      replace_existing=True)
    scheduler.start()
    return scheduler


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)
