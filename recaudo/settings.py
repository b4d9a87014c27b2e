"""Recaudo settings: everything that varies between installations comes from the environment.

Environment variables:
- RECAUDO_HOME: folder for this machine's files (the SQLite database and its file cache, static files, uploads
  when no S3 bucket is set, the console transport's outbox file); default ./var
- DATABASE_URL: sqlite:///path or postgres://user:pass@host:port/db; default SQLite under RECAUDO_HOME
- SECRET_KEY: default generated once and stored in the database (recaudo.core.secret), shared by every process
- RECAUDO_CACHE_URL: redis://host:6379/0 (or rediss://) for a Redis cache server; default the database's cache
  table on PostgreSQL, files under RECAUDO_HOME/cache on SQLite
- RECAUDO_S3_BUCKET (and RECAUDO_S3_ENDPOINT_URL, RECAUDO_S3_REGION, RECAUDO_S3_ACCESS_KEY_ID,
  RECAUDO_S3_SECRET_ACCESS_KEY, RECAUDO_S3_PREFIX, RECAUDO_S3_ADDRESSING_STYLE): uploaded files (imports, signed
  agreements) go to this S3-compatible bucket; default the folder RECAUDO_HOME/media
- DEBUG: "1"/"true" to turn on debug mode (off by default)
- ALLOWED_HOSTS: comma-separated; default localhost,127.0.0.1,[::1]
- CSRF_TRUSTED_ORIGINS: comma-separated origins, for deployments behind a proxy
- TIME_ZONE: server default time zone (portfolios have their own); default America/Bogota
- RECAUDO_HTTPS: "1" when the site is served over HTTPS only: turns on secure cookies, HSTS and the HTTPS redirect
  (each can be set on its own: SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE, SECURE_SSL_REDIRECT,
  SECURE_HSTS_SECONDS, SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD)
- RECAUDO_PROXY_SSL_HEADER: behind a proxy that ends TLS, the header it sets on HTTPS requests: "1" for
  X-Forwarded-Proto: https, or "Header-Name" / "Header-Name=value"; default none (trust no header)
- RECAUDO_SECRETS_KEY: Fernet key(s), comma-separated, sealing the payment gateways' secrets in the database;
  default a key derived from SECRET_KEY (docs/payment-gateways.md)
- RECAUDO_WEBHOOKS_MAX_ATTEMPTS, RECAUDO_WEBHOOKS_MAX_FAILURES, RECAUDO_WEBHOOKS_TIMEOUT, RECAUDO_WEBHOOKS_GAP_HOURS,
  RECAUDO_WEBHOOKS_ALLOW_PRIVATE: outgoing webhooks (docs/webhooks.md; private addresses refused by default)
- RECAUDO_SESSION_MINUTES: how long a sign-in lasts; default 480 (a working day)
- RECAUDO_SESSION_AT_BROWSER_CLOSE: "1" (default) ends the session when the browser closes, too
- RECAUDO_LOGIN_FAILURES, RECAUDO_LOGIN_ACCOUNT_FAILURES, RECAUDO_LOGIN_ADDRESS_FAILURES,
  RECAUDO_LOGIN_COOLOFF_MINUTES, RECAUDO_TRUSTED_PROXIES, RECAUDO_REQUIRE_2FA: sign-in protection (see the block
  "Sign-in protection" below and docs/signing-in.md)
- RECAUDO_IMPORT_FASTLOAD, RECAUDO_IMPORT_PARALLEL, RECAUDO_IMPORT_MEMORY_MB (docs/import.md), RECAUDO_WEB_WORKERS,
  RECAUDO_CYCLE_STALE_SECONDS, RECAUDO_CYCLE_CHUNK, RECAUDO_CYCLE_PAUSE (docs/strategies.md) and the channels'
  RECAUDO_SMTP_..., RECAUDO_TWILIO_..., RECAUDO_WHATSAPP_... (docs/channels.md): see the blocks near the end

This is the only module that reads environment variables (recaudo/core/tests/test_settings_only.py checks it): the
rest of the code reads django.conf.settings.
"""

import os
import secrets
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url

from recaudo import SettingError

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int | None, *, minimum: int = 0) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise SettingError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return number


def proxy_ssl_header(value: str | None) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER from RECAUDO_PROXY_SSL_HEADER: "1"/"true" means X-Forwarded-Proto: https;
    "Header-Name" or "Header-Name=value" names another header (value default https); empty or "0" means none."""
    value = (value or "").strip()
    if value.lower() in {"", "0", "false", "no", "off"}:
        return None
    if value.lower() in {"1", "true", "yes", "on"}:
        value = "X-Forwarded-Proto"
    header, _, expected = value.partition("=")
    header, expected = header.strip(), expected.strip() or "https"
    if not header or not all(c.isalnum() or c == "-" for c in header):
        raise SettingError(f"RECAUDO_PROXY_SSL_HEADER must be a header name like X-Forwarded-Proto "
                                   f"(optionally =https), not {value!r}")
    return "HTTP_" + header.upper().replace("-", "_"), expected


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_str(name: str) -> str | None:
    """The variable's value as given, or None when it is unset or empty (the code that uses it has the default)."""
    return os.environ.get(name) or None


def env_switch(name: str) -> bool | None:
    """A switch that may be left to the code: True for 1/true/yes/on, False for 0/false/no/off, else None."""
    value = os.environ.get(name, "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    return None


def env_number(name: str) -> float | None:
    """A number (seconds, a count), or None when unset or empty."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise SettingError(f"{name} must be a number, not {value!r}")


def import_memory_mb(value: str | None) -> int | None:
    """RECAUDO_IMPORT_MEMORY_MB: megabytes (0: no limit); None, for the default, when unset or not a number."""
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def web_workers(value: str | None) -> int | None:
    """RECAUDO_WEB_WORKERS: a whole number of processes (checked to be at least 1 by `recaudo serve`), or None."""
    raw = (value or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"RECAUDO_WEB_WORKERS must be a whole number of processes, not {raw!r}")


HOME = Path(os.environ.get("RECAUDO_HOME", Path.cwd() / "var")).resolve()
# The `recaudo` console script sets RECAUDO_NO_CREATE_HOME for the commands that need an existing database, so that
# one run from the wrong folder leaves no new empty ./var behind; it creates the folder once the database is found.
if not env_bool("RECAUDO_NO_CREATE_HOME"):
    HOME.mkdir(parents=True, exist_ok=True)


# SECRET_KEY from the environment, else a placeholder for this process only: every entry point that serves users or
# sends messages (recaudo/cli.py after its database check, recaudo/wsgi.py, `recaudo serve` and `demo` after their
# migrate) replaces it with the key stored once in the database (recaudo.core.secret), the same for every process
# on every machine. No file holds it.
# ENVIRONMENT_SECRET_KEY keeps the environment's key apart, so that recaudo.core.secret knows it was given.
ENVIRONMENT_SECRET_KEY = os.environ.get("SECRET_KEY") or ""
SECRET_KEY = ENVIRONMENT_SECRET_KEY or secrets.token_urlsafe(50)
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",  # its own static files for the API docs page (no CDN)
    "recaudo.core",
    "recaudo.audit",
    "recaudo.accounts",
    "recaudo.portfolio",
    "recaudo.ledger",
    "recaudo.imports",
    "recaudo.reports",
    "recaudo.analytics",
    "recaudo.compliance",
    "recaudo.agreements",
    "recaudo.banking",
    "recaudo.communications",
    "recaudo.strategies",
    "recaudo.cycle",
    "recaudo.agents",
    "recaudo.privacy",
    "recaudo.certificates",
    "recaudo.connectors",
    "recaudo.webhooks",
    "recaudo.demo",
    "recaudo.web",
    "recaudo.portal",
    "recaudo.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (RECAUDO_HOME/static, filled by collectstatic, which `recaudo serve` runs) straight from the
    # WSGI server, compressed and with cache headers, before any session or database work.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # a creditor's own portal host name (Portfolio.portal_host) reaches its portal at "/": the path is rewritten
    # before any URL is resolved. The host must be in ALLOWED_HOSTS (the env var ALLOWED_HOSTS below).
    "recaudo.portal.middleware.PortalHostMiddleware",
    "recaudo.core.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with a second factor
    "recaudo.accounts.twofactor.TwoFactorMiddleware",  # a user with a device verifies it before any page
    "recaudo.core.nostore.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
]

ROOT_URLCONF = "recaudo.urls"
WSGI_APPLICATION = "recaudo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recaudo.web.context_processors.recaudo",
            ],
        },
    }
]

DATABASE_URL_GIVEN = bool(os.environ.get("DATABASE_URL"))  # else the default below (`recaudo`'s hints say which)
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{HOME / 'recaudo.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run while a writer works; IMMEDIATE takes the write lock at BEGIN so two
        # writers queue on the busy timeout instead of failing with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        " PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(HOME / "test.sqlite3")} if env_bool("RECAUDO_TEST_FILE_DB") else {}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "es-co"
LANGUAGES = [("es-co", "Español (Colombia)"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Bogota")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
MEDIA_ROOT = HOME / "media"
MEDIA_URL = "/media/"
# Shared state lives in the database, the cache server and the storage backend, never in RECAUDO_HOME, so web and
# worker processes on several machines need only the same settings (docs/decisions/0012).
# Uploaded files (import files and their rejected-rows reports, signed agreements): an S3-compatible bucket when
# RECAUDO_S3_BUCKET is set, else the folder RECAUDO_HOME/media (one machine, or a folder every machine mounts).
S3_BUCKET = os.environ.get("RECAUDO_S3_BUCKET", "").strip()


def _s3_storage() -> dict:
    endpoint = os.environ.get("RECAUDO_S3_ENDPOINT_URL", "").strip()
    style = os.environ.get("RECAUDO_S3_ADDRESSING_STYLE", "").strip() or ("path" if endpoint else "auto")
    if style not in ("auto", "path", "virtual"):
        raise SettingError(f"RECAUDO_S3_ADDRESSING_STYLE must be auto, path or virtual, not {style!r}")
    options = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": endpoint or None,
        "region_name": os.environ.get("RECAUDO_S3_REGION", "").strip() or None,
        # else boto3's own chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, the instance's role
        "access_key": os.environ.get("RECAUDO_S3_ACCESS_KEY_ID", "").strip() or None,
        "secret_key": os.environ.get("RECAUDO_S3_SECRET_ACCESS_KEY", "").strip() or None,
        "location": os.environ.get("RECAUDO_S3_PREFIX", "").strip().strip("/"),
        "addressing_style": style,
        "file_overwrite": False,  # a new upload never replaces another one with the same name
        "default_acl": None,  # private: the bucket's own policy, never public-read
        "querystring_auth": True,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": _s3_storage() if S3_BUCKET else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed (gzip/brotli) copies made by collectstatic; no hashed names, so pages render without a manifest
    # (tests, commands, the demo's server) and WhiteNoise caches the files for a short time only.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Before the first collectstatic (tests, the demo's server, which serves from the apps' folders) there is no
# STATIC_ROOT yet; WhiteNoise would warn about it on every start.
warnings.filterwarnings("ignore", message="No directory at: ")
IMPORT_UPLOAD_PREFIX = "imports"  # import files are saved as imports/<random>-<name> in the default storage

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The cache (import progress): a Redis server when RECAUDO_CACHE_URL is set; else on PostgreSQL the database's own
# cache table (created by the migrations), shared by every process that has DATABASE_URL; on SQLite, which is one
# machine by nature, files under RECAUDO_HOME/cache (a second SQLite writer would wait for the import's lock).
CACHE_URL = os.environ.get("RECAUDO_CACHE_URL", "").strip()
CACHE_TABLE = "recaudo_cache"


def _cache() -> dict:
    if CACHE_URL:
        if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
            raise SettingError(f"RECAUDO_CACHE_URL must be a redis://, rediss:// or unix:// URL, not {CACHE_URL!r}")
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                "KEY_PREFIX": "recaudo"}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(HOME / "cache")}
    return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}


CACHES = {"default": _cache()}

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
# Every user is staff handling personal data: a sign-in lasts a working day (not Django's two weeks), and ends
# when the browser closes.
SESSION_COOKIE_AGE = env_int("RECAUDO_SESSION_MINUTES", 480, minimum=1) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("RECAUDO_SESSION_AT_BROWSER_CLOSE", True)

# HTTPS deployments (RECAUDO_HTTPS=1): cookies only over HTTPS, HSTS for a year, plain HTTP redirected.
HTTPS = env_bool("RECAUDO_HTTPS")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")  # a commitment to browsers' preload list: opt in
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("RECAUDO_PROXY_SSL_HEADER"))
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Sign-in protection. Failed sign-ins are counted by django-axes (database; recaudo/accounts/throttle.py) and lock
# out, for a cool-off period, one account from one address after RECAUDO_LOGIN_FAILURES failures, one account from
# any address after RECAUDO_LOGIN_ACCOUNT_FAILURES, and one address for every account after
# RECAUDO_LOGIN_ADDRESS_FAILURES (password spraying; an office behind one NAT shares an address, hence a higher
# limit). RECAUDO_LOGIN_COOLOFF_MINUTES=0 keeps a lockout until an administrator lifts it (`recaudo unlock`).
# The client's address is REMOTE_ADDR; X-Forwarded-For is read only when RECAUDO_TRUSTED_PROXIES says how many
# proxies of ours append to it. Two-factor sign-in (TOTP, django-otp) is optional for every user;
# RECAUDO_REQUIRE_2FA=admins makes it required for superusers and staff, =all for every user.
LOGIN_FAILURES = env_int("RECAUDO_LOGIN_FAILURES", 5, minimum=1)
LOGIN_ACCOUNT_FAILURES = env_int("RECAUDO_LOGIN_ACCOUNT_FAILURES", 20, minimum=1)
LOGIN_ADDRESS_FAILURES = env_int("RECAUDO_LOGIN_ADDRESS_FAILURES", 50, minimum=1)
LOGIN_COOLOFF_MINUTES = env_int("RECAUDO_LOGIN_COOLOFF_MINUTES", 15)
TRUSTED_PROXIES = env_int("RECAUDO_TRUSTED_PROXIES", 0)
REQUIRE_2FA = (os.environ.get("RECAUDO_REQUIRE_2FA") or "off").strip().lower()
if REQUIRE_2FA in {"0", "false", "no", "none", ""}:
    REQUIRE_2FA = "off"
if REQUIRE_2FA not in {"off", "admins", "all"}:
    raise SettingError(f"RECAUDO_REQUIRE_2FA must be off, admins or all, not {os.environ['RECAUDO_REQUIRE_2FA']!r}")
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "recaudo.accounts.throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_FAILURES  # the others are scaled to it by the handler (see throttle.py)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES) if LOGIN_COOLOFF_MINUTES else None
AXES_RESET_ON_SUCCESS = True  # the handler forgets only that account's failures from that address
AXES_CLIENT_IP_CALLABLE = "recaudo.accounts.throttle.client_address"
AXES_USERNAME_CALLABLE = "recaudo.accounts.throttle.attempted_username"
AXES_LOCKOUT_CALLABLE = "recaudo.accounts.throttle.lockout_response"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Recaudo"

# Imports (docs/import.md). RECAUDO_IMPORT_FASTLOAD=0 turns off the PostgreSQL fast path for new portfolios;
# RECAUDO_IMPORT_PARALLEL=1/0 forces parsing in a child process or in the import's own (unset: large files on 2+
# cores); RECAUDO_IMPORT_MEMORY_MB caps how much an import may grow its process (default 2048, 0: no limit).
RECAUDO_IMPORT_FASTLOAD = env_switch("RECAUDO_IMPORT_FASTLOAD") is not False
RECAUDO_IMPORT_PARALLEL = env_switch("RECAUDO_IMPORT_PARALLEL")
RECAUDO_IMPORT_MEMORY_MB = import_memory_mb(os.environ.get("RECAUDO_IMPORT_MEMORY_MB"))

# `recaudo serve`: web server processes (--workers overrides; default 2).
RECAUDO_WEB_WORKERS = web_workers(os.environ.get("RECAUDO_WEB_WORKERS"))

# The daily cycle (docs/strategies.md): None means the default of recaudo/cycle (300 s, 10,000 debtors, 0 s).
RECAUDO_CYCLE_STALE_SECONDS = env_number("RECAUDO_CYCLE_STALE_SECONDS")
RECAUDO_CYCLE_CHUNK = env_number("RECAUDO_CYCLE_CHUNK")
RECAUDO_CYCLE_PAUSE = env_number("RECAUDO_CYCLE_PAUSE")

# Channels (docs/channels.md): None means the default of recaudo/communications (conf.py and the transports), which
# also reads the numbers and switches; a settings module of your own may give RECAUDO_TRANSPORTS as a dict.
RECAUDO_TRANSPORTS = env_str("RECAUDO_TRANSPORTS")
# Recaudo's public address: providers' callbacks (/hooks/...) and the payment links' pay page (/pagar/...,
# needed by PayU and ePayco links; docs/payment-gateways.md) are built from it.
RECAUDO_PUBLIC_URL = env_str("RECAUDO_PUBLIC_URL")
# The keys that seal the payment gateways' secrets in the database (recaudo/core/sealed.py): one or more Fernet keys,
# comma-separated, the first sealing; unset, a key derived from SECRET_KEY (docs/payment-gateways.md, "Secrets").
RECAUDO_SECRETS_KEY = env_list("RECAUDO_SECRETS_KEY", "")
# The debtor portal's public address (the server's, e.g. https://pagos.example.co): messages carry each debtor's
# signed, expiring, single-use link <it>/portal/l/<token>/ (docs/portal.md). Unset (the default) messages carry no
# portal link; the portal itself still answers at /portal/<slug>/. How long a link is good for: hours, default 168.
RECAUDO_PORTAL_URL = env_str("RECAUDO_PORTAL_URL")
RECAUDO_PORTAL_LINK_HOURS = env_int("RECAUDO_PORTAL_LINK_HOURS", 168, minimum=1)
# Housekeeping the worker runs on every pass (cycle.runner.worker_tick), for apps a layer above the cycle that it
# may not import: each a dotted path to a function taking `now` and returning counts (set-based deletes).
RECAUDO_HOUSEKEEPING = ["recaudo.portal.services.portal_purge"]
# Outgoing webhooks (docs/webhooks.md): attempts per delivery (backoff 30 s doubling, at most 6 h), consecutive failed
# attempts that disable a subscription, the request timeout (seconds), how long ids missing from the audit trail are
# waited for (hours), and whether private, loopback and link-local addresses may be called (off: refused).
RECAUDO_WEBHOOKS_MAX_ATTEMPTS = env_int("RECAUDO_WEBHOOKS_MAX_ATTEMPTS", 8, minimum=1)
RECAUDO_WEBHOOKS_MAX_FAILURES = env_int("RECAUDO_WEBHOOKS_MAX_FAILURES", 15, minimum=1)
RECAUDO_WEBHOOKS_TIMEOUT = env_int("RECAUDO_WEBHOOKS_TIMEOUT", 10, minimum=1)
RECAUDO_WEBHOOKS_GAP_HOURS = env_int("RECAUDO_WEBHOOKS_GAP_HOURS", 6, minimum=1)
RECAUDO_WEBHOOKS_ALLOW_PRIVATE = env_bool("RECAUDO_WEBHOOKS_ALLOW_PRIVATE", False)
RECAUDO_OUTBOX_MAX_ATTEMPTS = env_int("RECAUDO_OUTBOX_MAX_ATTEMPTS", None)
RECAUDO_OUTBOX_CLAIM_TIMEOUT = env_int("RECAUDO_OUTBOX_CLAIM_TIMEOUT", None)
RECAUDO_OUTBOX_FILE = env_str("RECAUDO_OUTBOX_FILE")
RECAUDO_LETTERS_DIR = env_str("RECAUDO_LETTERS_DIR")
RECAUDO_SMTP_HOST = env_str("RECAUDO_SMTP_HOST")
RECAUDO_SMTP_PORT = env_int("RECAUDO_SMTP_PORT", None)
RECAUDO_SMTP_USER = env_str("RECAUDO_SMTP_USER")
RECAUDO_SMTP_PASSWORD = env_str("RECAUDO_SMTP_PASSWORD")
RECAUDO_SMTP_TLS = env_str("RECAUDO_SMTP_TLS")
RECAUDO_SMTP_SSL = env_str("RECAUDO_SMTP_SSL")
RECAUDO_SMTP_TIMEOUT = env_int("RECAUDO_SMTP_TIMEOUT", None)
RECAUDO_EMAIL_FROM = env_str("RECAUDO_EMAIL_FROM")
RECAUDO_EMAIL_REPLY_TO = env_str("RECAUDO_EMAIL_REPLY_TO")
RECAUDO_EMAIL_WEBHOOK_SECRET = env_str("RECAUDO_EMAIL_WEBHOOK_SECRET")
RECAUDO_TWILIO_BASE_URL = env_str("RECAUDO_TWILIO_BASE_URL")
RECAUDO_TWILIO_ACCOUNT_SID = env_str("RECAUDO_TWILIO_ACCOUNT_SID")
RECAUDO_TWILIO_AUTH_TOKEN = env_str("RECAUDO_TWILIO_AUTH_TOKEN")
RECAUDO_TWILIO_FROM = env_str("RECAUDO_TWILIO_FROM")
RECAUDO_TWILIO_MESSAGING_SERVICE_SID = env_str("RECAUDO_TWILIO_MESSAGING_SERVICE_SID")
RECAUDO_WHATSAPP_BASE_URL = env_str("RECAUDO_WHATSAPP_BASE_URL")
RECAUDO_WHATSAPP_API_VERSION = env_str("RECAUDO_WHATSAPP_API_VERSION")
RECAUDO_WHATSAPP_PHONE_NUMBER_ID = env_str("RECAUDO_WHATSAPP_PHONE_NUMBER_ID")
RECAUDO_WHATSAPP_TOKEN = env_str("RECAUDO_WHATSAPP_TOKEN")
RECAUDO_WHATSAPP_APP_SECRET = env_str("RECAUDO_WHATSAPP_APP_SECRET")
RECAUDO_WHATSAPP_VERIFY_TOKEN = env_str("RECAUDO_WHATSAPP_VERIFY_TOKEN")
RECAUDO_WEBHOOK_URL = env_str("RECAUDO_WEBHOOK_URL")
RECAUDO_WEBHOOK_SECRET = env_str("RECAUDO_WEBHOOK_SECRET")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
