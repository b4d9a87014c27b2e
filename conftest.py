import pytest

from recaudo.demo.testing import CHROMIUM, LAUNCH_ARGS, SHOTS


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Tests log in often: a fast hasher keeps them quick (never used outside tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(portfolio, other_portfolio):
    """Named personas for permission tests: ana (admin), carlos (agent) and vera (viewer) of portfolio A,
    beto (agent) of portfolio B."""
    from recaudo.demo.testing import make_user

    return {
        "ana": make_user("ana", portfolio, role="admin"),
        "carlos": make_user("carlos", portfolio, role="agent"),
        "vera": make_user("vera", portfolio, role="viewer"),
        "beto": make_user("beto", other_portfolio, role="agent"),
    }


@pytest.fixture
def portfolio(db):
    from recaudo.demo.testing import make_portfolio

    return make_portfolio()


@pytest.fixture
def other_portfolio(db):
    from recaudo.demo.testing import make_portfolio

    return make_portfolio(slug="edificio", name="Edificio Los Almendros P.H.")


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, tmp_path):
    """Tasks run inline in tests; uploads (the default storage's folder) go to a temporary folder; the cache is
    the process's memory."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def pytest_collection_modifyitems(items):
    """Transactional tests (transaction=True, live_server) end with a flush that would also delete the rows the
    data migrations load (default message templates, legal rate tables, disposition codes). Ask pytest-django
    to restore them after each such test, so later tests see the same database as the first one did."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = "live_server" in getattr(item, "fixturenames", ()) or (
            marker is not None and marker.kwargs.get("transaction")
        )
        if transactional and not (marker is not None and marker.kwargs.get("serialized_rollback")):
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture
def browser_locale():
    """The browser's language for browser tests; a test module may override this fixture."""
    return "es-CO"


@pytest.fixture
def browser_page(monkeypatch, browser_locale):
    """A Playwright page in Debian's Chromium (1280x800), for tests that use pytest-django's live_server."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; the test still reads the database directly.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server answers each request in a new thread: close its database connection at the end of the
    # request, or PostgreSQL keeps it open and the test database cannot be dropped afterwards.
    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        # Chromium's own UI (date fields' day/month order, the file button) in the page's language: --lang (shown
        # only where the Chromium install has that language's locale pack: Debian's chromium-l10n), and the
        # requests ask for it (Accept-Language), as a browser set to Spanish does.
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*LAUNCH_ARGS, f"--lang={browser_locale}"])
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=browser_locale,
                                      extra_http_headers={"Accept-Language": accept_language(browser_locale)})
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()
        browser.close()
        connections.close_all()


def accept_language(locale: str) -> str:
    """The Accept-Language header of a browser set to `locale` ("es-CO" -> "es-CO,es;q=0.9")."""
    base = locale.split("-")[0]
    return f"{locale},{base};q=0.9" if base != locale else locale


def pytest_configure(config):
    """Test-database resets empty every table between transactional tests; the ledger refuses DELETE and TRUNCATE
    (ledger migration 0014), so the reset lifts those guards inside its own transaction. Only tests do this."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from recaudo.ledger.triggers import flush_sql

    if getattr(BaseDatabaseOperations, "_recaudo_flush", False):
        return
    for module in ("django.db.backends.sqlite3.operations", "django.db.backends.postgresql.operations"):
        try:
            ops = __import__(module, fromlist=["DatabaseOperations"]).DatabaseOperations
        except ImportError:
            continue
        original = ops.sql_flush

        def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False, _original=original):
            statements = _original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
            return flush_sql(self.connection.vendor, statements) if statements else statements

        ops.sql_flush = sql_flush
    BaseDatabaseOperations._recaudo_flush = True


@pytest.fixture
def outbox(monkeypatch):
    """The daily cycle's messaging seam (recaudo.cycle.comms) replaced by an in-memory outbox that dedupes."""
    from recaudo.cycle import comms
    from recaudo.demo.testing import FakeOutbox

    fake = FakeOutbox()
    monkeypatch.setattr(comms, "enqueue_bulk", fake.enqueue_bulk)
    monkeypatch.setattr(comms, "outbox_process", fake.outbox_process)
    return fake


@pytest.fixture
def s3_server(monkeypatch):
    """An S3-compatible server on localhost (moto's, in a thread of this process) with an empty bucket; yields the
    RECAUDO_S3_* environment that points Recaudo's storage at it (for settings in this process or a child's)."""
    moto_server = pytest.importorskip("moto.server", reason="moto is not installed")
    import uuid

    import boto3

    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {"RECAUDO_S3_BUCKET": f"recaudo-{uuid.uuid4().hex[:12]}", "RECAUDO_S3_ENDPOINT_URL": f"http://{host}:{port}",
           "RECAUDO_S3_REGION": "us-east-1", "RECAUDO_S3_ACCESS_KEY_ID": "test",
           "RECAUDO_S3_SECRET_ACCESS_KEY": "test"}
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    client = boto3.client("s3", endpoint_url=env["RECAUDO_S3_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")  # noqa: S106
    client.create_bucket(Bucket=env["RECAUDO_S3_BUCKET"])
    try:
        yield {"env": env, "client": client, "bucket": env["RECAUDO_S3_BUCKET"]}
    finally:
        server.stop()


@pytest.fixture
def s3_storage(s3_server, settings, monkeypatch):
    """The default storage of this process on the s3_server's bucket, configured as settings.py does from the
    environment."""
    from recaudo import settings as recaudo_settings

    for name, value in s3_server["env"].items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(recaudo_settings, "S3_BUCKET", s3_server["bucket"])
    settings.STORAGES = {**settings.STORAGES, "default": recaudo_settings._s3_storage()}
    return s3_server


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (es-CO): a request in English through the test client leaves
    English active in the thread, which made later tests' messages depend on the order the tests ran in."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
