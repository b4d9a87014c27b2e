import pytest


@pytest.fixture
def portfolio(db):
    from recaudo.core.testing import make_portfolio

    return make_portfolio()


@pytest.fixture
def other_portfolio(db):
    from recaudo.core.testing import make_portfolio

    return make_portfolio(slug="edificio", name="Edificio Los Almendros P.H.")


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, tmp_path):
    """Tasks run inline in tests; uploads and caches go to a temporary folder."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
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
