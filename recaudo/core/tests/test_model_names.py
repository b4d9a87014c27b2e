"""Every model of the project has a name and a plural in es-CO (the admin listed "Strategys" and
"Workspace settingss"): declared with gettext_lazy and translated in a catalog."""

from django.apps import apps
from django.utils import translation


def test_every_model_has_declared_names_translated_in_es_co():
    untranslated = []
    for model in apps.get_models():
        if not model.__module__.startswith("recaudo."):
            continue
        with translation.override("en"):
            english = (str(model._meta.verbose_name), str(model._meta.verbose_name_plural))
        with translation.override("es-co"):
            spanish = (str(model._meta.verbose_name), str(model._meta.verbose_name_plural))
        if english[1].endswith(("ys", "ss")) or english == spanish:
            untranslated.append(f"{model._meta.label}: {english} -> {spanish}")
    assert untranslated == []
