import pytest


@pytest.fixture(autouse=True)
def english_runs(settings):
    """Runs record their messages in the installation's language: English here, so the tests read them; one test
    checks the Spanish of an installation in es-CO."""
    settings.LANGUAGE_CODE = "en"
