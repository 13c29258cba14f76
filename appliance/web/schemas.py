"""Request and response schemas of the HTTP API: they validate input and generate the OpenAPI
description. Domain limits that depend on settings (message length) are enforced by services."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from ..domain.models import PRIORITIES, ROLES, TICKET_STATUSES

# ---- requests -------------------------------------------------------------------------------


class StrictBoolean(fields.Boolean):
    """A JSON boolean: true or false, not "yes", 1 or "true"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class LoginIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class TicketQuery(Schema):
    status = DelimitedList(fields.String(validate=validate.OneOf(TICKET_STATUSES)),
                                  metadata={"description": "comma-separated statuses"})
    priority = DelimitedList(fields.String(validate=validate.OneOf(PRIORITIES)))
    assignee = fields.String(validate=validate.Length(max=20),
                             metadata={"description": "'me', 'unassigned' or a user id"})
    q = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class MessageIn(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=100_000))
    private = StrictBoolean(load_default=False)


class TicketPatch(Schema):
    status = fields.String(validate=validate.OneOf(TICKET_STATUSES))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    assignee_id = fields.Integer(allow_none=True, strict=True)


class ArticleIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=1_000_000))
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list,
                       validate=validate.Length(max=20))
    published = StrictBoolean(load_default=True)


class ArticleQuery(Schema):
    q = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class UserIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    role = fields.String(load_default="agent", validate=validate.OneOf(ROLES))


class UserPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    role = fields.String(validate=validate.OneOf(ROLES))
    active = StrictBoolean()
    password = fields.String(validate=validate.Length(min=1, max=1024))


class CompanySettingsIn(Schema):
    widget_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="must be a colour like #2563eb"))
    widget_greeting = fields.String(validate=validate.Length(max=500))
    ai_system_prompt = fields.String(validate=validate.Length(max=4000))
    ai_confidence_threshold = fields.Float(validate=validate.Range(min=0, max=1), allow_nan=False)
    ai_enabled = StrictBoolean()
    ai_cloud_fallback = StrictBoolean()


class CompanyPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
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


class SlaTargetOut(Schema):
    target = fields.String()
    minutes = fields.Float()
    due_at = fields.String()
    warn_at = fields.String()
    remaining_minutes = fields.Float()
    state = fields.String(metadata={"description": "running, warning, breached or met"})
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


class TicketDetailOut(TicketOut):
    messages = fields.List(fields.Nested(MessageOut))
    sla = fields.Nested(TicketSlaOut)


class SlaPolicyIn(Schema):
    targets = fields.Dict(required=True, metadata={"description": "{first_response|next_response|resolution: {priority: minutes}}"})
    hours = fields.Dict(load_default=dict, metadata={"description": '{"tz", "weekly": {"0": [["09:00","17:00"]]}, "holidays": ["2026-12-25"]}'})
    warn_share = fields.Float(load_default=0.8)
    actions = fields.Dict(load_default=dict, metadata={"description": '{"raise_priority": bool, "notify_admins": bool}'})


class SlaPolicyOut(Schema):
    targets = fields.Dict()
    hours = fields.Dict()
    warn_share = fields.Float()
    actions = fields.Dict()


class SlaSummaryOut(Schema):
    state = fields.String(metadata={"description": "worst of running, warning, breached, met"})
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


class ErrorDetailOut(Schema):
    status = fields.Integer()
    code = fields.String()
    message = fields.String()
    field_problems = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields")
    retry_after = fields.Integer()  # 429 only: seconds to wait


class ErrorOut(Schema):
    """Hearth's one error shape (web/errors.py)."""

    error = fields.Nested(ErrorDetailOut)
