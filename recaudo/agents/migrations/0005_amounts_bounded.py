from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0004_default_dispositions'),
        ('compliance', '0001_initial'),
        ('portfolio', '0012_amounts_bounded'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='dailytarget',
            constraint=models.CheckConstraint(condition=models.Q(('amount_minor__lte', 1000000000000000000)), name='daily_target_amount_bounded'),
        ),
        migrations.AddConstraint(
            model_name='interaction',
            constraint=models.CheckConstraint(condition=models.Q(('promise_amount_minor__lte', 1000000000000000)), name='interaction_promise_bounded'),
        ),
    ]
