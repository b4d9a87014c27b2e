from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0005_legalrate_to_ledger'),
        ('ledger', '0017_amounts_bounded'),
        ('portfolio', '0012_amounts_bounded'),
        ('strategies', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='agreement',
            constraint=models.CheckConstraint(condition=models.Q(('debt_minor__gte', -1000000000000000000), ('debt_minor__lte', 1000000000000000000), ('down_payment_minor__gte', -1000000000000000000), ('down_payment_minor__lte', 1000000000000000000), ('financed_minor__gte', -1000000000000000000), ('financed_minor__lte', 1000000000000000000), ('interest_minor__gte', -1000000000000000000), ('interest_minor__lte', 1000000000000000000)), name='agreement_amounts_bounded'),
        ),
        migrations.AddConstraint(
            model_name='agreementinstallment',
            constraint=models.CheckConstraint(condition=models.Q(('amount_minor__gte', -1000000000000000), ('amount_minor__lte', 1000000000000000), ('interest_minor__gte', -1000000000000000), ('interest_minor__lte', 1000000000000000), ('principal_minor__gte', -1000000000000000), ('principal_minor__lte', 1000000000000000), ('balance_after_minor__gte', -1000000000000000000), ('balance_after_minor__lte', 1000000000000000000)), name='installment_amounts_bounded'),
        ),
        migrations.AddConstraint(
            model_name='agreementobligation',
            constraint=models.CheckConstraint(condition=models.Q(('balance_minor__gte', -1000000000000000000), ('balance_minor__lte', 1000000000000000000)), name='agreement_obligation_balance_bounded'),
        ),
        migrations.AddConstraint(
            model_name='offer',
            constraint=models.CheckConstraint(condition=models.Q(('debt_minor__gte', -1000000000000000000), ('debt_minor__lte', 1000000000000000000), ('forgiven_minor__gte', -1000000000000000000), ('forgiven_minor__lte', 1000000000000000000)), name='offer_amounts_bounded'),
        ),
        migrations.AddConstraint(
            model_name='promise',
            constraint=models.CheckConstraint(condition=models.Q(('amount_minor__gte', -1000000000000000), ('amount_minor__lte', 1000000000000000), ('paid_minor__gte', -1000000000000000000), ('paid_minor__lte', 1000000000000000000)), name='promise_amount_bounded'),
        ),
    ]
