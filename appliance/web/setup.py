"""HTTP API of the first-run wizard: is Hearth set up yet, and creating the first company."""
from __future__ import annotations

from flask_wtf.csrf import generate_csrf
from flask_smorest import Blueprint

from .auth import _session_payload, services, start_session
from .schemas import SessionOut, SetupIn, SetupStateOut

blp = Blueprint("setup", __name__, url_prefix="/api/v1/setup", description="First run")


@blp.route("", methods=["GET"])
@blp.response(200, SetupStateOut)
def setup_state():
    """Whether the installation still needs its first company (no login needed), and the CSRF
    token the wizard sends with its POST."""
    return {"needed": services().setup.needed(), "csrf_token": generate_csrf()}


@blp.route("", methods=["POST"])
@blp.arguments(SetupIn())
@blp.response(201, SessionOut)
def create_first_company(payload):
    """Create the first company and its admin and log that admin in. The only account creation
    without a login; refused (409) once any company exists."""
    company, admin = services().setup.create_first_company(**payload)
    start_session(admin)
    return _session_payload(admin)
