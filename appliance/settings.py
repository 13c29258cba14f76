"""Hearth's settings: every one has a name, a default and a help line, in one list.

Settings are loaded once, at start-up, from (lowest to highest priority) the defaults below,
``settings.json`` in the data dir, ``HEARTH_<NAME>`` environment variables and explicit
overrides (command-line flags), then passed to whatever needs them. Nothing reads them at import.
"""
from __future__ import annotations

import dataclasses
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs


class SettingsError(ValueError):
    """A setting has a value Hearth cannot use; the message says which and why."""


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", str, "", "Folder holding the database, indexes, logs and keys (default: the per-user app data folder)."),
    Setting("host", str, "127.0.0.1", "Address to listen on; 0.0.0.0 serves the local network too."),
    Setting("port", int, 8765, "TCP port to listen on."),
    Setting("max_message_length", int, 5000, "Longest chat message or reply accepted, in characters."),
    Setting("max_article_length", int, 200_000, "Longest knowledge-base article body accepted, in characters."),
    Setting("max_request_bytes", int, 2 * 1024 * 1024, "Largest HTTP request body accepted, in bytes."),
    Setting("max_upload_bytes", int, 50 * 1024 * 1024, "Largest knowledge-base upload accepted from the console, in bytes."),
    Setting("session_days", int, 14, "How long an agent stays logged in without activity, in days."),
    Setting("password_min_length", int, 10, "Shortest password accepted for an agent or admin."),
    Setting("log_level", str, "INFO", "Logging level: DEBUG, INFO, WARNING or ERROR."),
    Setting("embedder", str, "minilm", "Sentence-embedding backend: minilm (the product's model) or hashing (no model; tests and demos)."),
    Setting("models_dir", str, "", "Folder for prepared model files (default: models/ in the data dir)."),
    Setting("ollama_host", str, "http://127.0.0.1:11434", "Address of the Ollama server that runs the local model."),
    Setting("ollama_model", str, "llama3.2:3b", "Ollama model that writes answers."),
    Setting("llm_timeout", float, 20.0, "Seconds to wait for a model's first token (and between tokens) before falling back."),
    Setting("offline_only", bool, True, "Never send anything beyond this machine and the LAN (no cloud model)."),
    Setting("openai_base_url", str, "", "OpenAI-compatible API for the optional cloud fallback (empty: OpenAI's default)."),
    Setting("openai_model", str, "gpt-4o-mini", "Cloud model for the optional fallback."),
    # Integrations and observability
    Setting("webhook_timeout", float, 10.0, "Seconds to wait for a webhook receiver to answer before counting the attempt as failed."),
    Setting("webhook_max_attempts", int, 6, "Attempts per webhook delivery before Hearth gives up and marks it failed."),
    Setting("webhook_retry_seconds", int, 30, "Wait before the first webhook retry; each further retry waits twice as long (at most 6 hours)."),
    Setting("log_max_bytes", int, 5_000_000, "Size at which logs/hearth.log is rotated, in bytes."),
    Setting("log_backups", int, 5, "Rotated log files kept (hearth.log.1 … hearth.log.N)."),
    Setting("metrics_token", str, "", "Bearer token that lets other machines read /metrics; empty: only this machine (loopback) may."),
    Setting("health_window_minutes", int, 15, "The recent window over which the health panel measures the AI's failure rate, p95 latency and cache misses."),
    Setting("health_min_samples", int, 5, "AI answers the window needs before failure-rate, latency or cache alerts may fire."),
    Setting("health_max_failure_rate", float, 0.05, "Alert when more than this share of AI answers saw a model fail (0.05 = 5%)."),
    Setting("health_max_p95_seconds", float, 5.0, "Alert when the AI's 95th-percentile answer time exceeds this many seconds."),
    Setting("health_max_cache_miss_rate", float, 0.4, "Alert when more than this share of knowledge-base questions miss the answer cache (0.4 = 40%)."),
    Setting("reports_max_days", int, 366, "Longest date range a report may cover, in days."),
    Setting("agent_capacity", int, 5, "Open tickets automatic assignment gives one agent at most, unless an admin sets theirs."),
    Setting("backup_dir", str, "", "Folder for scheduled and console backups (default: backups/ in the data dir)."),
    Setting("backup_keep", int, 7, "How many daily backups to keep; older ones are deleted."),
    # Abuse limits. A rate is "N/second|minute|hour", several joined with ";"; "" turns a tier off.
    Setting("rate_limit_ip", str, "600/minute", "HTTP requests per client address (all routes together)."),
    Setting("rate_limit_company", str, "6000/minute", "HTTP API requests and Socket.IO events per company (all its agents and visitors)."),
    Setting("rate_limit_socket_ip", str, "600/minute", "Socket.IO events per client address (/agent and /widget)."),
    Setting("rate_limit_visitor", str, "5/second;30/minute", "Socket.IO events per widget visitor (their conversation, across reconnects), typing indicators apart."),
    Setting("rate_limit_visitor_typing", str, "4/second;120/minute", "Typing indicators per widget visitor (a budget of their own, so typing never uses up the one for messages)."),
    Setting("rate_limit_connect_ip", str, "120/minute", "New Socket.IO connections per client address."),
    Setting("max_socket_connections", int, 3000, "Most Socket.IO connections open at once (both namespaces); more are refused. 0: no cap."),
    Setting("rate_limit_login_ip", str, "20/minute", "Login attempts per client address."),
    Setting("rate_limit_login_account", str, "10/minute", "Login attempts per account (email), from anywhere."),
    Setting("login_lockout_failures", int, 10, "Failed logins in a row that lock an account (0: never lock)."),
    Setting("login_lockout_minutes", int, 15, "How long a locked account stays locked, unless an admin unlocks it."),
    Setting("max_import_pages", int, 500, "Most pages a PDF may have to be imported into the knowledge base."),
    Setting("secure_cookies", bool, False, "Always mark cookies Secure (they are anyway on requests that came over TLS)."),
    Setting("lan_host", str, "0.0.0.0", "Address listened on while LAN serving is on (0.0.0.0: every network interface of this computer; a loopback address such as 127.0.0.1 keeps Hearth on this computer only)."),
    Setting("lan_address", str, "", "Address phones and PCs on the local network reach this computer at, shown in the chat URL, QR code and snippet (empty: detected from the network)."),
    Setting("retrieval_title_weight", float, 0.5, "Share of an article's semantic score that comes from its title (the rest from its best passage); 0 ranks by the best passage alone. The shipped confidence model is fitted for the default (docs/reranking.md)."),
    Setting("retrieval_vote_weight", float, 0.1, "Weight of the passage vote in ranking articles: each passage the vector search returns votes for its article, the closest ones most, and this weight times the article's share of the votes is added to its ranking score (not to the similarity the confidence model reads); 0 turns it off (docs/reranking.md)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def default_data_dir() -> str:
    """The platform's per-user application data folder for Hearth."""
    return platformdirs.user_data_dir("Hearth", appauthor=False)


def resolve_data_dir(data_dir: str | None, environ: dict[str, str] | None = None) -> Path:
    """The data folder a command means: --data-dir, else HEARTH_DATA_DIR, else the platform's default."""
    environ = os.environ if environ is None else environ
    return Path(data_dir or environ.get("HEARTH_DATA_DIR") or default_data_dir()).expanduser().resolve()


def _coerce(setting: Setting, value: Any, source: str) -> Any:
    if setting.type is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.strip().lower() in ("1", "true", "yes", "on")
    elif isinstance(value, setting.type) and not isinstance(value, bool):
        return value
    elif setting.type is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    elif isinstance(value, str) and setting.type in (int, float):
        try:
            return setting.type(value)
        except ValueError:
            pass
    raise SettingsError(f"setting {setting.name!r} from {source} must be {setting.type.__name__}, got {value!r}")


@dataclass(frozen=True)
class Settings:
    """The effective settings of one running Hearth (immutable once loaded)."""

    data_dir: str
    host: str
    port: int
    max_message_length: int
    max_article_length: int
    max_request_bytes: int
    max_upload_bytes: int
    session_days: int
    password_min_length: int
    log_level: str
    embedder: str
    models_dir: str
    ollama_host: str
    ollama_model: str
    llm_timeout: float
    offline_only: bool
    openai_base_url: str
    openai_model: str
    webhook_timeout: float
    webhook_max_attempts: int
    webhook_retry_seconds: int
    log_max_bytes: int
    log_backups: int
    metrics_token: str
    health_window_minutes: int
    health_min_samples: int
    health_max_failure_rate: float
    health_max_p95_seconds: float
    health_max_cache_miss_rate: float
    reports_max_days: int
    agent_capacity: int
    backup_dir: str
    backup_keep: int
    rate_limit_ip: str
    rate_limit_company: str
    rate_limit_socket_ip: str
    rate_limit_visitor: str
    rate_limit_visitor_typing: str
    rate_limit_connect_ip: str
    max_socket_connections: int
    rate_limit_login_ip: str
    rate_limit_login_account: str
    login_lockout_failures: int
    login_lockout_minutes: int
    max_import_pages: int
    secure_cookies: bool
    lan_host: str
    lan_address: str
    retrieval_title_weight: float
    retrieval_vote_weight: float
    secret_key: str = dataclasses.field(repr=False, default="")

    def __repr__(self) -> str:  # the metrics token is a credential: never in a log line
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.repr}
        shown["metrics_token"] = "***" if self.metrics_token else ""
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    @property
    def path(self) -> Path:
        return Path(self.data_dir)

    @property
    def database_path(self) -> Path:
        return self.path / "hearth.db"

    @property
    def models_path(self) -> Path:
        return Path(self.models_dir) if self.models_dir else self.path / "models"

    @property
    def chroma_path(self) -> Path:
        return self.path / "chroma"

    @property
    def backups_path(self) -> Path:
        return Path(self.backup_dir) if self.backup_dir else self.path / "backups"

    @property
    def cloud_key_path(self) -> Path:
        """The cloud API key lives here, outside the database, readable by the owner only."""
        return self.path / "cloud-api.key"

    @classmethod
    def load(cls, overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> "Settings":
        """Merge defaults, the data dir's settings.json, HEARTH_* variables and overrides."""
        environ = os.environ if environ is None else environ
        overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        unknown = set(overrides) - set(_BY_NAME)
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")

        values = {s.name: s.default for s in SETTINGS}
        data_path = resolve_data_dir(overrides.get("data_dir"), environ)
        try:
            data_path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            what = "it is a file, not a folder" if data_path.is_file() else exc.strerror
            raise SettingsError(f"cannot use {data_path} as the data folder: {what}") from exc

        file = data_path / "settings.json"
        if file.exists():
            try:
                from_file = json.loads(file.read_text(encoding="utf-8"))
            except (ValueError, OSError) as exc:
                raise SettingsError(f"{file} is not valid JSON ({exc}); fix or delete it") from exc
            if not isinstance(from_file, dict):
                raise SettingsError(f"{file} must hold a JSON object of settings")
            for name, value in from_file.items():
                if name not in _BY_NAME:
                    raise SettingsError(f"{file}: unknown setting {name!r}")
                values[name] = _coerce(_BY_NAME[name], value, str(file))
        for setting in SETTINGS:
            env_value = environ.get(f"HEARTH_{setting.name.upper()}")
            if env_value is not None and setting.name != "data_dir":
                values[setting.name] = _coerce(setting, env_value, f"HEARTH_{setting.name.upper()}")
        for name, value in overrides.items():
            values[name] = _coerce(_BY_NAME[name], value, "the command line")
        values["data_dir"] = str(data_path)

        if not 0 < values["port"] < 65536:
            raise SettingsError(f"port must be between 1 and 65535, got {values['port']}")
        if values["llm_timeout"] <= 0:
            raise SettingsError(f"llm_timeout must be a positive number of seconds, got {values['llm_timeout']}")
        if values["backup_keep"] < 1:
            raise SettingsError(f"backup_keep must be at least 1, got {values['backup_keep']}")
        if values["log_level"].upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError(f"log_level must be DEBUG, INFO, WARNING or ERROR, got {values['log_level']!r}")
        for name in ("webhook_timeout", "webhook_max_attempts", "webhook_retry_seconds", "log_max_bytes",
                     "health_window_minutes", "health_max_p95_seconds"):
            if values[name] <= 0:
                raise SettingsError(f"{name} must be a positive number, got {values[name]}")
        for name in ("health_max_failure_rate", "health_max_cache_miss_rate"):
            if not 0 <= values[name] <= 1:
                raise SettingsError(f"{name} must be a share between 0 and 1, got {values[name]}")
        if not 0 <= values["agent_capacity"] <= 1000:
            raise SettingsError(f"agent_capacity must be from 0 to 1000 open tickets, got {values['agent_capacity']}")
        if not 0 <= values["retrieval_title_weight"] <= 1:
            raise SettingsError(f"retrieval_title_weight must be a share between 0 and 1, got {values['retrieval_title_weight']}")
        if not 0 <= values["retrieval_vote_weight"] <= 1:
            raise SettingsError(f"retrieval_vote_weight must be between 0 and 1, got {values['retrieval_vote_weight']}")
        _check_limits(values)
        _check_lan(values)
        return cls(**values, secret_key=_secret_key(data_path))


def _check_limits(values: dict[str, Any]) -> None:
    """Every rate-limit setting parses, and the counts are not negative."""
    from limits import parse_many

    for name, value in values.items():
        if name.startswith("rate_limit_") and value:
            try:
                parse_many(value)
            except ValueError:
                raise SettingsError(f"{name} must look like 30/minute (several joined with ;), got {value!r}") from None
    for name in ("max_socket_connections", "login_lockout_failures", "login_lockout_minutes"):
        if values[name] < 0:
            raise SettingsError(f"{name} must be 0 or more, got {values[name]}")


def _check_lan(values: dict[str, Any]) -> None:
    """lan_host is an address to listen on; lan_address a bare host name or address (no scheme, port or path)."""
    import ipaddress
    import re

    try:
        ipaddress.ip_address(values["lan_host"])
    except ValueError:
        raise SettingsError(f"lan_host must be an IP address to listen on, like 0.0.0.0 or 192.168.1.10, "
                            f"got {values['lan_host']!r}") from None
    if values["lan_address"] and not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", values["lan_address"]):
        raise SettingsError(f"lan_address must be a host name or IP address, like 192.168.1.10, shop-pc.local or "
                            f"[fe80::1] (no http:// or port), got {values['lan_address']!r}")


def _secret_key(data_path: Path) -> str:
    """The installation's session-signing key, created once with owner-only permissions."""
    key_file = data_path / "secret.key"
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()
