"""HTTP API of the model manager (the installation's admins): the Ollama host, pulling, choosing
and testing a model.

Models are installation-wide: the chosen model answers for every company on this Hearth."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from .access import installation_admin_required
from .auth import services
from .schemas import ActiveModelOut, ModelNameIn, ModelsOut, ModelTestIn, ModelTestOut, PullOut

blp = Blueprint("models", __name__, url_prefix="/api/v1/models", description="The local AI models")


@blp.route("", methods=["GET"])
@blp.response(200, ModelsOut)
@installation_admin_required
def models_overview():
    """The Ollama host's state, its models, the model that answers, recommended models, and how to
    install Ollama when it is absent."""
    return services().models.overview()


@blp.route("/pull", methods=["POST"])
@blp.arguments(ModelNameIn())
@blp.response(202, PullOut)
@installation_admin_required
def pull_model(payload):
    """Start pulling a model in the background; progress arrives on /agent as `model_pull` events."""
    hearth = services()
    pull_id, model = hearth.models.start_pull(payload["model"])
    hearth.spawn(hearth.models.run_pull, g.company.id, pull_id, model)
    return {"pull_id": pull_id, "model": model}


@blp.route("/active", methods=["PUT"])
@blp.arguments(ModelNameIn())
@blp.response(200, ActiveModelOut)
@installation_admin_required
def choose_model(payload):
    """Choose which installed model answers, from the next answer on (no restart)."""
    return {"active_model": services().models.choose(g.company, g.user, payload["model"])}


@blp.route("/test", methods=["POST"])
@blp.arguments(ModelTestIn())
@blp.response(200, ModelTestOut)
@installation_admin_required
def test_model(payload):
    """Ask the chosen model one question; the answer and how long it took."""
    return services().models.test(g.company, payload.get("question"))
