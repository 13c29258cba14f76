"""HTTP API for the installation as a whole: offline-only, the cloud key, backups.

Everyone logged in sees whether offline-only is on; changing installation-wide things and
taking or downloading backups is for admins of the installation's owner company only.
"""
from __future__ import annotations

from flask import g, send_file
from flask_smorest import Blueprint

from .auth import admin_required, login_required, services
from .schemas import BackupOut, BackupsOut, CloudKeyIn, InstallationOut, InstallationPatch, PassphraseIn

blp = Blueprint("installation", __name__, url_prefix="/api/v1",
                description="Offline-only, the cloud API key and backups of the whole installation")


def _state() -> dict:
    state = services().installation.state(g.user)
    if not state["can_manage"]:
        state["recent_refusals"] = []
    return state


@blp.route("/installation", methods=["GET"])
@blp.response(200, InstallationOut)
@login_required
def get_installation():
    """Offline-only's state, how many connections it refused, and whether a cloud key is set."""
    return _state()


@blp.route("/installation", methods=["PATCH"])
@blp.arguments(InstallationPatch())
@blp.response(200, InstallationOut)
@admin_required
def update_installation(payload):
    """Turn offline-only on or off (owner admins only; takes effect at once, persisted)."""
    services().installation.set_offline_only(g.user, payload["offline_only"])
    return _state()


@blp.route("/installation/cloud-key", methods=["PUT"])
@blp.arguments(CloudKeyIn())
@blp.response(200, InstallationOut)
@admin_required
def put_cloud_key(payload):
    """Store the cloud API key outside the database (owner-only file); only its tail is ever shown."""
    services().installation.set_cloud_key(g.user, payload["api_key"])
    return _state()


@blp.route("/installation/cloud-key", methods=["DELETE"])
@blp.response(200, InstallationOut)
@admin_required
def delete_cloud_key():
    """Forget the cloud API key."""
    services().installation.clear_cloud_key(g.user)
    return _state()


@blp.route("/backups", methods=["GET"])
@blp.response(200, BackupsOut)
@admin_required
def list_backups():
    """The backups in the backups folder, newest first, and whether daily backups are set up."""
    return services().backups.status(g.user)


@blp.route("/backups", methods=["POST"])
@blp.arguments(PassphraseIn())
@blp.response(201, BackupOut)
@admin_required
def create_backup(payload):
    """Back up the whole installation now into one file encrypted with this passphrase."""
    return services().backups.create(g.user, payload["passphrase"])


@blp.route("/backups/schedule", methods=["PUT"])
@blp.arguments(PassphraseIn())
@blp.response(200, BackupsOut)
@admin_required
def set_backup_schedule(payload):
    """Set the passphrase daily backups are encrypted with (turns them on)."""
    hearth = services()
    hearth.backups.set_schedule_passphrase(g.user, payload["passphrase"])
    return hearth.backups.status(g.user)


@blp.route("/backups/<name>", methods=["GET"])
@blp.doc(responses={"200": {"description": "the encrypted backup file", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
@admin_required
def download_backup(name):
    """Download one backup file."""
    path = services().backups.path(g.user, name)
    return send_file(path, mimetype="application/octet-stream", as_attachment=True, download_name=path.name)
