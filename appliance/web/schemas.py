"""Request and response schemas of the HTTP API: they validate input and generate the OpenAPI
description. Domain limits that depend on settings (message length) are enforced by services."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate
from webargs.fields import DelimitedList

from ..domain.models import PRIORITIES, ROLES, ROUTING_RULE_KINDS, TICKET_STATUSES

# ---- requests -------------------------------------------------------------------------------


class Length(validate.Length):
    """marshmallow's length check (the OpenAPI description still gets minLength/maxLength) with
    messages a person can act on: "must not be empty" instead of "Length must be between 1 and 120."."""

    def __call__(self, value):
        size, unit = len(value), ("items" if isinstance(value, (list, tuple)) else "characters")
        if self.min is not None and size < self.min:
            raise ValidationError("must not be empty" if self.min == 1 else f"must have at least {self.min} {unit}")
        if self.max is not None and size > self.max:
            raise ValidationError(f"must have at most {self.max} {unit} (this has {size})")
        return value


class StrictBoolean(fields.Boolean):
    """A JSON boolean: true or false, not "yes", 1 or "true"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class LoginIn(Schema):
    email = fields.String(required=True, validate=Length(min=1, max=254))
    password = fields.String(required=True, validate=Length(min=1, max=1024))


class PasswordChangeIn(Schema):
    current_password = fields.String(required=True, validate=Length(min=1, max=1024))
    new_password = fields.String(required=True, validate=Length(min=1, max=1024),
                                 metadata={"description": "at least password_min_length (10) characters"})


class TicketQuery(Schema):
    status = DelimitedList(fields.String(validate=validate.OneOf(TICKET_STATUSES)),
                                  metadata={"description": "comma-separated statuses"})
    priority = DelimitedList(fields.String(validate=validate.OneOf(PRIORITIES)))
    assignee = fields.String(validate=Length(max=20),
                             metadata={"description": "'me', 'unassigned' or a user id"})
    q = fields.String(validate=Length(max=200))
    customer = fields.Integer(metadata={"description": "only this customer's tickets"})
    merged = fields.Boolean(truthy={"true"}, falsy={"false"},
                            metadata={"description": "false: leave out tickets merged into another; true: only those"})
    tag = DelimitedList(fields.String(validate=Length(min=1, max=40)),
                        metadata={"description": "comma-separated tags; tickets carrying all of them"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class MessageIn(Schema):
    body = fields.String(required=True, validate=Length(min=1, max=100_000))
    private = StrictBoolean(load_default=False)


class TicketPatch(Schema):
    status = fields.String(validate=validate.OneOf(TICKET_STATUSES))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    assignee_id = fields.Integer(allow_none=True, strict=True)


class ArticleIn(Schema):
    title = fields.String(required=True, validate=Length(min=1, max=200))
    body = fields.String(required=True, validate=Length(min=1, max=1_000_000))
    tags = fields.List(fields.String(validate=Length(min=1, max=40)), load_default=list,
                       validate=Length(max=20))
    published = StrictBoolean(load_default=True)


class ArticleQuery(Schema):
    q = fields.String(validate=Length(max=200))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class UserIn(Schema):
    email = fields.String(required=True, validate=Length(min=3, max=254))
    name = fields.String(required=True, validate=Length(min=1, max=120))
    password = fields.String(required=True, validate=Length(min=1, max=1024))
    role = fields.String(load_default="agent", validate=validate.OneOf(ROLES))


class UserPatch(Schema):
    name = fields.String(validate=Length(min=1, max=120))
    role = fields.String(validate=validate.OneOf(ROLES))
    active = StrictBoolean()
    password = fields.String(validate=Length(min=1, max=1024))


class CompanySettingsIn(Schema):
    widget_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="must be a colour like #2563eb"))
    widget_greeting = fields.String(validate=Length(max=500))
    ai_system_prompt = fields.String(validate=Length(max=4000))
    ai_confidence_threshold = fields.Float(validate=validate.Range(min=0, max=1), allow_nan=False)
    ai_enabled = StrictBoolean()
    ai_cloud_fallback = StrictBoolean()
    retention_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=36500))
    retention_action = fields.String(validate=validate.OneOf(("delete", "anonymise")))


class CompanyPatch(Schema):
    name = fields.String(validate=Length(min=1, max=120))
    settings = fields.Nested(CompanySettingsIn)


class PageQuery(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


# ---- responses ------------------------------------------------------------------------------


class PersonOut(Schema):
    id = fields.Integer()
    name = fields.String()


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    active = fields.Boolean()
    created_at = fields.String()
    locked_until = fields.String(allow_none=True)  # set while too many failed logins lock the account


class CompanySettingsOut(Schema):
    widget_color = fields.String()
    widget_greeting = fields.String()
    ai_system_prompt = fields.String()
    ai_confidence_threshold = fields.Float()
    ai_enabled = fields.Boolean()
    ai_cloud_fallback = fields.Boolean()
    retention_days = fields.Integer()
    retention_action = fields.String()


class CompanyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    settings = fields.Nested(CompanySettingsOut)


class SessionOut(Schema):
    user = fields.Nested(UserOut)
    company = fields.Nested(CompanyOut)
    csrf_token = fields.String()


class CustomerOut(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()


class MessageOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    author_role = fields.String()
    author = fields.Nested(PersonOut, allow_none=True)
    body = fields.String()
    private = fields.Boolean()
    created_at = fields.String()
    metadata = fields.Dict()


class CsatOut(Schema):
    score = fields.Integer(metadata={"description": "1 (bad) to 5 (great)"})
    comment = fields.String(allow_none=True)
    rated_at = fields.String()


class TicketOut(Schema):
    id = fields.Integer()
    number = fields.Integer()
    subject = fields.String()
    status = fields.String()
    priority = fields.String()
    channel = fields.String()
    assignee = fields.Nested(PersonOut, allow_none=True)
    customer = fields.Nested(CustomerOut)
    created_at = fields.String()
    updated_at = fields.String()
    first_response_at = fields.String(allow_none=True)
    waiting_since = fields.String(allow_none=True)
    resolved_at = fields.String(allow_none=True)
    last_message_at = fields.String()
    last_message_preview = fields.String()
    resolved_by = fields.String(allow_none=True, metadata={"description": "agent, ai (the customer said the AI "
                                                                          "answered) or null"})
    csat = fields.Nested(CsatOut, allow_none=True)
    tags = fields.List(fields.String())


class SlaTargetOut(Schema):
    target = fields.String()
    minutes = fields.Float()
    due_at = fields.String()
    warn_at = fields.String()
    remaining_minutes = fields.Float()
    state = fields.String(metadata={"description": "running, warning, breached, met, or stopped (the ticket was "
                                                   "resolved or closed before the target was met or breached)"})
    paused = fields.Boolean()


class SlaEventOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    target = fields.String()
    kind = fields.String()
    due_at = fields.String()
    created_at = fields.String()


class TicketSlaOut(Schema):
    targets = fields.List(fields.Nested(SlaTargetOut))
    breaches = fields.List(fields.Nested(SlaEventOut))


class TicketRefOut(Schema):
    id = fields.Integer()
    number = fields.Integer()


class TicketDetailOut(TicketOut):
    messages = fields.List(fields.Nested(MessageOut))
    sla = fields.Nested(TicketSlaOut)
    merged_into = fields.Nested(TicketRefOut, allow_none=True)
    merged_from = fields.List(fields.Nested(TicketRefOut))


class SlaPolicyIn(Schema):
    targets = fields.Dict(required=True, metadata={"description": "{first_response|next_response|resolution: {priority: minutes}}"})
    hours = fields.Dict(load_default=dict, metadata={"description": '{"tz", "weekly": {"0": [["09:00","17:00"]]}, "holidays": ["2026-12-25"]}'})
    warn_share = fields.Float(load_default=0.8)
    actions = fields.Dict(load_default=dict, metadata={"description": '{"raise_priority": bool, "reassign": bool, "notify_admins": bool}'})


class SlaPolicyOut(Schema):
    targets = fields.Dict()
    hours = fields.Dict()
    warn_share = fields.Float()
    actions = fields.Dict()


class SlaSummaryOut(Schema):
    state = fields.String(metadata={"description": "worst of running, warning, breached, met, stopped "
                                                   "(stopped only when every target stopped)"})
    next_due_at = fields.String(allow_none=True)
    next_target = fields.String(allow_none=True)
    paused = fields.Boolean()


class TicketListItemOut(TicketOut):
    sla = fields.Nested(SlaSummaryOut, allow_none=True)


class TicketListOut(Schema):
    items = fields.List(fields.Nested(TicketListItemOut))
    total = fields.Integer()


class ArticleOut(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    tags = fields.List(fields.String())
    published = fields.Boolean()
    created_at = fields.String()
    updated_at = fields.String()


class ArticleListOut(Schema):
    items = fields.List(fields.Nested(ArticleOut))
    total = fields.Integer()


class UserListOut(Schema):
    items = fields.List(fields.Nested(UserOut))


class AuditOut(Schema):
    id = fields.Integer()
    actor = fields.Nested(PersonOut, allow_none=True)
    action = fields.String()
    target_type = fields.String()
    target_id = fields.Integer(allow_none=True)
    details = fields.Dict()
    created_at = fields.String()


class AuditListOut(Schema):
    items = fields.List(fields.Nested(AuditOut))
    total = fields.Integer()


class SourceOut(Schema):
    article_id = fields.Integer()
    title = fields.String()
    score = fields.Float()


class SuggestionOut(Schema):
    body = fields.String()
    provider = fields.String()
    model = fields.String()
    confidence = fields.Float()
    would_answer = fields.Boolean(metadata={"description": "whether the AI would answer this on its own"})
    sources = fields.List(fields.Nested(SourceOut))
    cloud_sent = fields.Dict(allow_none=True, metadata={"description": "what was sent to the cloud model, redacted"})


class ProviderOut(Schema):
    name = fields.String()
    available = fields.Boolean()
    detail = fields.String()
    models = fields.List(fields.String())


class AIStatusOut(Schema):
    providers = fields.List(fields.Nested(ProviderOut))
    offline_only = fields.Boolean()
    cloud_allowed = fields.Boolean()
    cache = fields.Dict()
    embedder = fields.String()


# ---- webhooks and health --------------------------------------------------------------------


class WebhookIn(Schema):
    url = fields.String(required=True, metadata={"description": "http:// or https:// URL that receives the events"})
    events = fields.List(fields.String(), required=True,
                         metadata={"description": "ticket.created, message.created, ticket.resolved, sla.breached"})


class WebhookPatch(Schema):
    url = fields.String()
    events = fields.List(fields.String())
    active = StrictBoolean()


class WebhookOut(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    active = fields.Boolean()
    created_at = fields.String()
    secret = fields.String(metadata={"description": "only in the answer that creates the webhook"})
    offline_blocked = fields.Boolean(metadata={"description": "offline-only mode refuses its address: "
                                                              "nothing is delivered while it is on"})


class WebhookListOut(Schema):
    items = fields.List(fields.Nested(WebhookOut))
    events = fields.List(fields.String(), metadata={"description": "the events a webhook may subscribe to"})
    offline_only = fields.Boolean(metadata={"description": "whether offline-only mode is on"})


class DeliveryQuery(Schema):
    endpoint_id = fields.Integer()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class DeliveryOut(Schema):
    id = fields.Integer()
    endpoint_id = fields.Integer()
    event = fields.String()
    status = fields.String(metadata={"description": "pending, delivered or failed"})
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()
    payload = fields.Dict()


class DeliveryListOut(Schema):
    items = fields.List(fields.Nested(DeliveryOut))
    total = fields.Integer()


class HealthOut(Schema):
    local_model = fields.Dict()
    cloud = fields.Dict()
    window = fields.Dict()
    thresholds = fields.Dict()
    alerts = fields.List(fields.Dict())
    history = fields.List(fields.Dict())
# ---- reports --------------------------------------------------------------------------------


class ReportQuery(Schema):
    # the service checks the dates (format, order, span) and names the field at fault
    from_ = fields.String(required=True, data_key="from", metadata={"description": "first day, YYYY-MM-DD"})
    to = fields.String(required=True, metadata={"description": "last day (included), YYYY-MM-DD"})


class ReportTableOut(Schema):
    columns = fields.List(fields.String())
    rows = fields.List(fields.List(fields.Raw()))


class ReportOut(Schema):
    from_ = fields.String(data_key="from")
    to = fields.String()
    timezone = fields.String()
    summary = fields.Dict()
    tables = fields.Dict(keys=fields.String(), values=fields.Nested(ReportTableOut))
# ---- teams, capacity and routing rules ------------------------------------------------------


class TeamIn(Schema):
    name = fields.String(required=True, validate=Length(min=1, max=80))
    member_ids = fields.List(fields.Integer(strict=True), load_default=list, validate=Length(max=500))


class TeamPatch(Schema):
    name = fields.String(validate=Length(min=1, max=80))
    member_ids = fields.List(fields.Integer(strict=True), validate=Length(max=500))


class TeamOut(Schema):
    id = fields.Integer()
    name = fields.String()
    member_ids = fields.List(fields.Integer())


class TeamListOut(Schema):
    items = fields.List(fields.Nested(TeamOut))


class CapacityIn(Schema):
    capacity = fields.Integer(required=True, allow_none=True, strict=True,
                              validate=validate.Range(min=0, max=1000),
                              metadata={"description": "open tickets at once; 0: never auto-assign; null: the default"})


class RoutingAgentOut(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    capacity = fields.Integer(allow_none=True, metadata={"description": "their own capacity; null: the default"})
    effective_capacity = fields.Integer()
    open_tickets = fields.Integer()
    online = fields.Boolean()


class RoutingAgentListOut(Schema):
    default_capacity = fields.Integer()
    items = fields.List(fields.Nested(RoutingAgentOut))


class RoutingRuleIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(ROUTING_RULE_KINDS))
    value = fields.String(required=True, validate=Length(min=1, max=200))
    team_id = fields.Integer(required=True, strict=True)
    priority = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PRIORITIES))


class RuleOrderIn(Schema):
    rule_ids = fields.List(fields.Integer(strict=True), required=True, validate=Length(max=1000))


class RoutingRuleOut(Schema):
    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String()
    value = fields.String()
    team = fields.Nested(PersonOut)
    priority = fields.String(allow_none=True)


class RoutingRuleListOut(Schema):
    items = fields.List(fields.Nested(RoutingRuleOut))


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    ticket_id = fields.Integer(allow_none=True)
    title = fields.String()
    body = fields.String()
    created_at = fields.String()
    read = fields.Boolean()


class NotificationListOut(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    unread = fields.Integer()


class NotificationReadIn(Schema):
    ids = fields.List(fields.Integer(strict=True), validate=Length(max=200),
                      metadata={"description": "only these of yours (the ones shown); without it, all of yours"})
# ---- canned replies, tags, merging ----------------------------------------------------------


class CannedReplyIn(Schema):
    title = fields.String(required=True, validate=Length(min=1, max=120))
    shortcut = fields.String(required=True, validate=Length(min=1, max=33))
    body = fields.String(required=True, validate=Length(min=1, max=5000))
    shared = StrictBoolean(load_default=False, metadata={"description": "whole company (admins only) or personal"})


class CannedReplyPatch(Schema):
    title = fields.String(validate=Length(min=1, max=120))
    shortcut = fields.String(validate=Length(min=1, max=33))
    body = fields.String(validate=Length(min=1, max=5000))
    shared = StrictBoolean()


class CannedReplyQuery(Schema):
    q = fields.String(validate=Length(max=100))


class CannedReplyOut(Schema):
    id = fields.Integer()
    title = fields.String()
    shortcut = fields.String()
    body = fields.String()
    shared = fields.Boolean()
    editable = fields.Boolean(metadata={"description": "whether the logged-in user may change it"})
    created_at = fields.String()
    updated_at = fields.String()


class CannedReplyListOut(Schema):
    items = fields.List(fields.Nested(CannedReplyOut))
    placeholders = fields.List(fields.String(), metadata={"description": "names usable as {{name}}"})


class RenderQuery(Schema):
    ticket_id = fields.Integer(required=True, strict=False)


class RenderedOut(Schema):
    id = fields.Integer()
    title = fields.String()
    shortcut = fields.String()
    body = fields.String()
    fallbacks = fields.List(fields.String(), metadata={"description": "placeholders that had no value"})


class TagIn(Schema):
    tag = fields.String(required=True, validate=Length(min=1, max=60))


class TagCountOut(Schema):
    name = fields.String()
    count = fields.Integer()


class TagListOut(Schema):
    items = fields.List(fields.Nested(TagCountOut))


class MergeIn(Schema):
    target_id = fields.Integer(required=True, strict=True)


class MergeOut(Schema):
    source = fields.Nested(TicketOut)
    target = fields.Nested(TicketOut)
# ---- installation: offline-only, cloud key, backups ------------------------------------------


class InstallationPatch(Schema):
    offline_only = StrictBoolean(required=True)


class CloudKeyIn(Schema):
    api_key = fields.String(required=True, validate=Length(min=1, max=500), load_only=True)


class PassphraseIn(Schema):
    passphrase = fields.String(required=True, validate=Length(min=8, max=1024), load_only=True)


class RefusalOut(Schema):
    at = fields.String()
    event = fields.String()
    host = fields.String()
    port = fields.Integer(allow_none=True)
    code = fields.String()


class InstallationOut(Schema):
    offline_only = fields.Boolean()
    refused_connections = fields.Integer()
    recent_refusals = fields.List(fields.Nested(RefusalOut))
    cloud_key_set = fields.Boolean()
    cloud_key_hint = fields.String(allow_none=True, metadata={"description": "the key's last 4 characters only"})
    can_manage = fields.Boolean()


class BackupOut(Schema):
    name = fields.String()
    bytes = fields.Integer()
    kind = fields.String()


class BackupsOut(Schema):
    scheduled = fields.Boolean(metadata={"description": "whether a passphrase for daily backups is set"})
    keep = fields.Integer()
    folder = fields.String()
    items = fields.List(fields.Nested(BackupOut))
# ---- first run, model manager, LAN serving ---------------------------------------------------


class SetupStateOut(Schema):
    needed = fields.Boolean(metadata={"description": "true while no company exists: the console shows the wizard"})
    csrf_token = fields.String()


class SetupIn(Schema):
    company_name = fields.String(required=True, validate=Length(min=1, max=120))
    slug = fields.String(validate=Length(max=64),
                         metadata={"description": "short id used in URLs (default: made from the company name)"})
    admin_name = fields.String(validate=Length(max=120))
    admin_email = fields.String(required=True, validate=Length(min=1, max=254))
    admin_password = fields.String(required=True, validate=Length(min=1, max=1024))


class RecommendedModelOut(Schema):
    name = fields.String()
    size = fields.String()
    about = fields.String()
    installed = fields.Boolean()


class InstalledModelOut(Schema):
    name = fields.String()
    size = fields.Integer()
    parameter_size = fields.String(allow_none=True)
    quantization = fields.String(allow_none=True)


class ModelsOut(Schema):
    host = fields.String()
    reachable = fields.Boolean()
    detail = fields.String()
    models = fields.List(fields.Nested(InstalledModelOut))
    active_model = fields.String()
    active_installed = fields.Boolean()
    recommended = fields.List(fields.Nested(RecommendedModelOut))
    install_help = fields.String(allow_none=True)


class ModelNameIn(Schema):
    model = fields.String(required=True, validate=Length(min=1, max=300))


class PullOut(Schema):
    pull_id = fields.String()
    model = fields.String()


class ActiveModelOut(Schema):
    active_model = fields.String()


class ModelTestIn(Schema):
    question = fields.String(validate=Length(max=5000))


class ModelTestOut(Schema):
    model = fields.String()
    question = fields.String()
    answer = fields.String()
    latency_ms = fields.Integer()


class LanIn(Schema):
    enabled = StrictBoolean()
    agent_networks = fields.List(fields.String(), metadata={"description": "addresses or CIDRs of agents' PCs"})


class LanOut(Schema):
    enabled = fields.Boolean()
    listening_on_lan = fields.Boolean()
    restart_needed = fields.Boolean()
    fixed_by_host = fields.String(allow_none=True, metadata={
        "description": "the network address Hearth was started with (--host), which serves the network whatever "
                       "the switch says; null normally"})
    loopback_lan_host = fields.String(allow_none=True, metadata={
        "description": "the lan_host setting when it is a loopback address (then LAN serving, even on, serves "
                       "this computer only, and no restart is asked for); null normally"})
    address = fields.String()
    port = fields.Integer()
    widget_url = fields.String()
    embed_snippet = fields.String()
    agent_networks = fields.List(fields.String())
    qr_svg_url = fields.String()
class ErrorDetailOut(Schema):
    status = fields.Integer()
    code = fields.String()
    message = fields.String()
    field_problems = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields")
    retry_after = fields.Integer()  # 429 only: seconds to wait


class ErrorOut(Schema):
    """Hearth's one error shape (web/errors.py)."""

    error = fields.Nested(ErrorDetailOut)
