"""archiver.toml → typed, frozen settings.

The file is validated against `schemas/config.schema.json`, which is also the
one home of every setting's default and help text. A bad file raises
`ConfigError` naming the file, the key path and what was expected; nothing runs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema

from archiver.errors import ConfigError
from archiver.extras import check_settings, check_sites
from archiver.patterns import PatternError, compile_pattern
from archiver.resources import load_schema

DEFAULT_CONFIG_NAME = "archiver.toml"


@dataclass(frozen=True)
class CrawlSettings:
    """How politely and how far to fetch (see `[crawl]` in the README)."""

    user_agent: str = "archiver/0.1 (+https://example.org/contact)"
    concurrency: int = 16
    per_host: int = 2
    delay: float = 0.5
    timeout: float = 30.0
    max_bytes: int = 10_000_000
    respect_robots: bool = True
    retries: int = 2
    max_retry_after: float = 120.0
    max_redirects: int = 10
    max_url_length: int = 2048
    max_per_pattern: int = 200_000
    revalidate_days: int = 7
    allow_private: bool = False
    proxy: str = ""
    trust_env: bool = True
    ca_bundle: str = ""
    client_cert: str = ""
    client_key: str = ""
    # A page's load in headless Chromium (sites with capture = "browser"); network idle
    # after the load is awaited for at most a quarter of it.
    browser_timeout: float = 20.0


@dataclass(frozen=True)
class AuthSettings:
    """One credential of a site, by reference: the secret is read from `env` or `file` at
    crawl time, never kept in archiver.toml (see `sites[].auth` in the README)."""

    type: str  # basic, bearer, cookie, header
    where: str  # the setting's path, for error messages: sites.[0].auth
    username: str = ""
    name: str = ""  # the header's name (type header)
    env: str = ""
    file: Path | None = None


@dataclass(frozen=True)
class SiteSettings:
    """One site to archive: where to start, what is in scope, which rules apply."""

    name: str
    seeds: tuple[str, ...]
    sitemaps: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_pages: int = 500
    max_depth: int = 3
    rules: tuple[str, ...] = ()
    schedule: str = "0 3 * * *"
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    auth: tuple[AuthSettings, ...] = ()
    insecure_tls: bool = False
    # "http": the fast HTTP crawl only; "browser": each HTML page is also rendered in
    # headless Chromium after the crawl (screenshot, rendered DOM; archiver/browser/).
    capture: str = "http"

    @property
    def hosts(self) -> frozenset[str]:
        """Hostnames of the seeds (lower case, without port)."""
        return frozenset((urlsplit(s).hostname or "").lower() for s in self.seeds)


@dataclass(frozen=True)
class StorageSettings:
    """Where archives, the index and logs go."""

    root: Path = Path("snapshots")
    index: str = ""
    warc_max_bytes: int = 1_000_000_000
    warc_prefix: str = "archiver"
    warcs: str = ""
    warcs_endpoint: str = ""

    @property
    def index_url(self) -> str:
        """The SQLAlchemy URL of the index (SQLite under the root by default)."""
        return self.index or f"sqlite:///{self.root / 'index.sqlite3'}"


@dataclass(frozen=True)
class QueueSettings:
    """The task queue that spreads crawl and check work over worker processes (`[queue]`)."""

    broker: str = ""
    namespace: str = "archiver"
    limits: str = ""
    check_batch: int = 50
    redeliver_after: float = 60.0

    @property
    def limits_url(self) -> str:
        """Redis URL of the cluster-wide locks and rate limits (the broker's, by default)."""
        return self.limits or self.broker


@dataclass(frozen=True)
class LogSettings:
    """Console level and JSON-lines file rotation."""

    level: str = "INFO"
    rotation: str = "50 MB"
    retention: str = "30 days"


@dataclass(frozen=True)
class ReportSettings:
    """Which reports `archiver run` writes after every run, and where."""

    formats: tuple[str, ...] = ("html", "json", "csv", "junit")
    dir: Path = Path("reports")
    viewer_url: str = ""


@dataclass(frozen=True)
class NotifySettings:
    """Where to say that a run found new violations (webhook and/or e-mail)."""

    webhook_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password_env: str = ""
    email_from: str = "archiver@localhost"
    email_to: tuple[str, ...] = ()
    retries: int = 3
    timeout: float = 10.0


@dataclass(frozen=True)
class TrackingSettings:
    """Acknowledged findings: the ignore file kept under version control."""

    ignore_file: Path = Path("ignore.yaml")


@dataclass(frozen=True)
class ScheduleSettings:
    """How `archiver schedule` fires the sites' cron jobs."""

    timezone: str = "UTC"
    misfire_grace_time: int = 3600


@dataclass(frozen=True)
class WebSettings:
    """The snapshot viewer (`archiver serve`)."""

    allowed_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceSettings:
    """Tamper evidence: the key that signs run manifests and WACZ packages."""

    key: Path | None = None
    certificate: Path | None = None


@dataclass(frozen=True)
class Settings:
    """Everything archiver.toml says, with defaults filled in."""

    storage: StorageSettings = field(default_factory=StorageSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    log: LogSettings = field(default_factory=LogSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    queue: QueueSettings = field(default_factory=QueueSettings)
    web: WebSettings = field(default_factory=WebSettings)
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)
    sites: tuple[SiteSettings, ...] = ()
    rules_dirs: tuple[Path, ...] = ()
    source: Path | None = None

    def site(self, name: str) -> SiteSettings:
        """Return the site called `name`, or raise ConfigError listing the known ones."""
        for site in self.sites:
            if site.name == name:
                return site
        known = ", ".join(s.name for s in self.sites) or "none"
        raise ConfigError(f"{self.source or 'config'}: no site named {name!r} (sites: {known})")

    def select(self, names: Sequence[str]) -> tuple[SiteSettings, ...]:
        """The sites named (all when `names` is empty); ConfigError when there are none."""
        if not names:
            if not self.sites and self.source is None:
                raise ConfigError(
                    f"no {DEFAULT_CONFIG_NAME} in this folder: pass --config FILE "
                    "(or try `archiver demo`)"
                )
            if not self.sites:
                raise ConfigError(f"{self.source}: no [[sites]] configured")
            return self.sites
        return tuple(self.site(n) for n in names)


def _pointer_path(path: Sequence[Any]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path) or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    """A one-line, user-facing account of a schema failure: where, and what was expected."""
    where = _pointer_path(list(error.absolute_path))
    validator = error.validator
    # A subschema may be a bare `true`/`false`, and an error may carry no instance.
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if validator == "additionalProperties" and isinstance(error.instance, Mapping):
        properties = schema.get("properties", {})
        extra = sorted(set(error.instance) - set(properties))
        allowed = ", ".join(sorted(properties))
        return f"{where}: unknown key {', '.join(map(repr, extra))} (expected one of: {allowed})"
    if validator == "required":
        return f"{where}: {error.message}"
    if validator == "type":
        expected = error.validator_value
        return (
            f"{where}: expected {expected}, got {type(error.instance).__name__} {error.instance!r}"
        )
    description = schema.get("description")
    hint = f" ({description})" if description else ""
    return f"{where}: {error.message}{hint}"


def _validate(data: Mapping[str, Any], source: str) -> None:
    schema = load_schema("config.schema.json")
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = "\n  ".join(_describe(e) for e in errors)
        raise ConfigError(f"{source}: invalid configuration:\n  {lines}")


_CRAWL_PATHS = ("ca_bundle", "client_cert", "client_key")
# Which key holds the secret of each kind of credential; the secret itself is never a key.
_AUTH_SECRET = {"basic": "password", "bearer": "token", "cookie": "cookie", "header": "value"}


def _crawl(
    data: Mapping[str, Any], base: CrawlSettings, base_dir: Path, where: str
) -> CrawlSettings:
    known = {f.name for f in fields(CrawlSettings)}
    values = {k: v for k, v in data.items() if k in known}
    for key in _CRAWL_PATHS:
        if values.get(key):
            values[key] = str(_resolve(base_dir, values[key]))
    if urlsplit(values.get("proxy", "")).password:
        raise ConfigError(
            f"{where}.proxy: a password does not belong in archiver.toml; "
            "set HTTPS_PROXY / HTTP_PROXY in the environment instead"
        )
    return replace(base, **values)


def _auth(data: Any, where: str, base_dir: Path) -> tuple[AuthSettings, ...]:
    """`sites[].auth` (one table or a list of them) → AuthSettings, each with its secret's
    reference checked: exactly one of `<secret>_env` / `<secret>_file`."""
    entries = data if isinstance(data, list) else [data]
    out = []
    for j, entry in enumerate(entries):
        at = f"{where}.[{j}]" if isinstance(data, list) else where
        kind = entry["type"]
        secret = _AUTH_SECRET[kind]
        refs = [k for k in (f"{secret}_env", f"{secret}_file") if entry.get(k)]
        if len(refs) != 1:
            raise ConfigError(
                f"{at}: type {kind!r} needs exactly one of {secret}_env "
                f"(an environment variable's name) or {secret}_file (a file's path)"
            )
        needed = {"basic": "username", "header": "name"}.get(kind)
        if needed and not entry.get(needed):
            raise ConfigError(f"{at}: type {kind!r} needs {needed}")
        foreign = sorted(
            k for k in entry if k not in ("type", needed, *refs) and not k.startswith(f"{secret}_")
        )
        if foreign:
            raise ConfigError(f"{at}: {', '.join(foreign)} does not go with type {kind!r}")
        file = entry.get(f"{secret}_file")
        out.append(
            AuthSettings(
                type=kind,
                where=f"{at}.{refs[0]}",
                username=entry.get("username", ""),
                name=entry.get("name", ""),
                env=entry.get(f"{secret}_env", ""),
                file=_resolve(base_dir, file) if file else None,
            )
        )
    return tuple(out)


def _site(
    data: Mapping[str, Any], crawl: CrawlSettings, source: str, index: int, base_dir: Path
) -> SiteSettings:
    for key in ("include", "exclude"):
        for j, pattern in enumerate(data.get(key, ())):
            try:
                compile_pattern(pattern)
            except PatternError as exc:
                raise ConfigError(
                    f"{source}: sites.[{index}].{key}.[{j}]: invalid regex {pattern!r}: {exc}"
                ) from exc
    return SiteSettings(
        name=data["name"],
        seeds=tuple(data["seeds"]),
        sitemaps=tuple(data.get("sitemaps", ())),
        include=tuple(data.get("include", ())),
        exclude=tuple(data.get("exclude", ())),
        max_pages=data.get("max_pages", 500),
        max_depth=data.get("max_depth", 3),
        rules=tuple(data.get("rules", ())),
        schedule=data.get("schedule", "0 3 * * *"),
        crawl=_crawl(data.get("crawl", {}), crawl, base_dir, f"{source}: sites.[{index}].crawl"),
        auth=_auth(data["auth"], f"{source}: sites.[{index}].auth", base_dir)
        if "auth" in data
        else (),
        insecure_tls=data.get("insecure_tls", False),
        capture=data.get("capture", "http"),
    )


def _warcs_location(value: str, root: Path, base: Path) -> str:
    """`storage.warcs` as given when it is a URL, else an absolute local path ('' = default)."""
    value = value.replace("{root}", str(root))
    if not value or "://" in value:
        return value
    return str(_resolve(base, value))


def parse(
    data: Mapping[str, Any], *, source: str = "config", base_dir: Path | None = None
) -> Settings:
    """Validate a decoded config mapping and build Settings; paths resolve against `base_dir`."""
    _validate(data, source)
    base = base_dir or Path.cwd()
    storage_data = data.get("storage", {})
    root = Path(storage_data.get("root", "snapshots"))
    root = root if root.is_absolute() else (base / root)
    storage = StorageSettings(
        root=root,
        index=storage_data.get("index", "").replace("{root}", str(root)),
        warc_max_bytes=storage_data.get("warc_max_bytes", 1_000_000_000),
        warc_prefix=storage_data.get("warc_prefix", "archiver"),
        warcs=_warcs_location(storage_data.get("warcs", ""), root, base),
        warcs_endpoint=storage_data.get("warcs_endpoint", ""),
    )
    crawl = _crawl(data.get("crawl", {}), CrawlSettings(), base, f"{source}: crawl")
    log_data = data.get("log", {})
    log = LogSettings(**log_data)
    _check_log(log, source)
    queue = QueueSettings(**data.get("queue", {}))
    if queue.broker and not queue.limits_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(
            f"{source}: queue.limits: the broker is not Redis, so set queue.limits to a "
            "redis:// URL for the cluster-wide locks and rate limits"
        )
    check_settings(storage, queue, source)
    sites = tuple(_site(s, crawl, source, i, base) for i, s in enumerate(data.get("sites", ())))
    names = [s.name for s in sites]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{source}: sites: duplicate site name(s): {', '.join(duplicates)}")
    check_sites(sites, source)
    rules_dir = data.get("rules_dir", [])
    rules_dirs = tuple(
        p if p.is_absolute() else base / p
        for p in map(Path, [rules_dir] if isinstance(rules_dir, str) else rules_dir)
    )
    report_data = data.get("report", {})
    report = ReportSettings(
        formats=tuple(dict.fromkeys(report_data.get("formats", ReportSettings.formats))),
        dir=_resolve(base, report_data.get("dir", "reports")),
        viewer_url=report_data.get("viewer_url", "").rstrip("/"),
    )
    notify_data = dict(data.get("notify", {}))
    notify_data["email_to"] = tuple(notify_data.get("email_to", ()))
    ignore = data.get("tracking", {}).get("ignore_file", "ignore.yaml")
    evidence = _evidence(data.get("evidence", {}), base, source)
    return Settings(
        storage=storage,
        crawl=crawl,
        log=log,
        report=report,
        notify=NotifySettings(**notify_data),
        tracking=TrackingSettings(ignore_file=_resolve(base, ignore)),
        schedule=ScheduleSettings(**data.get("schedule", {})),
        queue=queue,
        web=WebSettings(allowed_hosts=tuple(data.get("web", {}).get("allowed_hosts", ()))),
        evidence=evidence,
        sites=sites,
        rules_dirs=rules_dirs,
    )


_LOG_FORMS = {
    "rotation": "a size ('50 MB'), an interval ('1 week'), a time ('00:00') or 'daily'",
    "retention": "a duration such as '30 days' or '1 week'",
}


def _check_log(log: LogSettings, source: str) -> None:
    """Have loguru parse `[log] rotation` and `retention` now, not when the first run starts."""
    from loguru import logger

    for key in ("rotation", "retention"):
        value = getattr(log, key)
        try:
            # delay=True opens no file; the filter keeps every message away from it.
            handler = logger.add(
                Path("/nonexistent") / "archiver-config-check.log",
                delay=True,
                filter=lambda _record: False,
                **{key: value},
            )
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"{source}: invalid configuration:\n  log.{key}: cannot use {value!r}: "
                f"{exc} (expected {_LOG_FORMS[key]})"
            ) from exc
        logger.remove(handler)


def _evidence(data: Mapping[str, Any], base: Path, source: str) -> EvidenceSettings:
    """Resolve `[evidence]` paths and load the key and certificate now, naming what is wrong."""
    key = _resolve(base, data["key"]) if data.get("key") else None
    certificate = _resolve(base, data["certificate"]) if data.get("certificate") else None
    if certificate is not None and key is None:
        raise ConfigError(f"{source}: evidence.certificate: needs evidence.key, its private key")
    if key is not None:
        # Imported here: cryptography is loaded only by configurations that sign.
        from archiver.evidence.wacz import check_signing_files

        check_signing_files(key, certificate, source)
    return EvidenceSettings(key=key, certificate=certificate)


def _resolve(base: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def load(path: Path | None = None) -> Settings:
    """Read and validate a config file.

    With no path, `./archiver.toml` is used when it exists, else the built-in
    defaults (no sites, archive under `./snapshots`).
    """
    if path is None:
        candidate = Path(DEFAULT_CONFIG_NAME)
        if not candidate.exists():
            return parse({}, source="(defaults)")
        path = candidate
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such config file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    settings = parse(data, source=str(path), base_dir=path.resolve().parent)
    return replace(settings, source=path)
