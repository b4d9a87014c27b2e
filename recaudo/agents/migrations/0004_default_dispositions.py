"""The default disposition codes (editable in the admin afterwards)."""

from django.db import migrations

# code, es, en, attempt outcome, rpc, effective, callback, promise, dispute, deceased
DEFAULTS = [
    ("right_party", "Contacto con el titular", "Right-party contact", "reached", True, True, False, False, False, False),
    ("promise", "Promesa de pago", "Promise to pay", "reached", True, True, False, True, False, False),
    ("callback", "Volver a llamar", "Call back", "reached", True, True, True, False, False, False),
    ("refuses", "Se niega a pagar", "Refuses to pay", "reached", True, True, False, False, False, False),
    ("dispute", "Reclamo / disputa", "Dispute", "reached", True, True, False, False, True, False),
    ("no_answer", "No contesta", "No answer", "no_answer", False, False, False, False, False, False),
    ("busy", "Ocupado", "Busy", "busy", False, False, False, False, False, False),
    ("voicemail", "Buzón de voz", "Voicemail", "voicemail", False, False, False, False, False, False),
    ("third_party", "Contesta un tercero", "Third party", "wrong_party", False, False, False, False, False, False),
    ("wrong_number", "Número equivocado", "Wrong number", "wrong_party", False, False, False, False, False, False),
    ("deceased", "Fallecido", "Deceased", "other", False, False, False, False, False, True),
]


def load(apps, schema_editor):
    Disposition = apps.get_model("agents", "Disposition")
    for order, row in enumerate(DEFAULTS):
        code, es, en, outcome, rpc, effective, callback, promise, dispute, deceased = row
        Disposition.objects.update_or_create(code=code, defaults={
            "label_es": es, "label_en": en, "attempt_outcome": outcome, "right_party_contact": rpc,
            "effective_contact": effective, "requires_callback": callback, "creates_promise": promise,
            "creates_dispute": dispute, "deceased": deceased, "order": (order + 1) * 10})


def unload(apps, schema_editor):
    apps.get_model("agents", "Disposition").objects.filter(code__in=[r[0] for r in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("agents", "0003_workspace")]
    operations = [migrations.RunPython(load, unload)]
