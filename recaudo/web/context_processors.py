from django.conf import settings


def recaudo(request):
    return {"RECAUDO_VERSION": "0.1.0", "LANGUAGES": settings.LANGUAGES}
