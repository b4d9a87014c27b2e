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
