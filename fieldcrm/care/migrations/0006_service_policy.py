import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('care', '0005_promotions'),
        ('org', '0002_user_start_location'),
    ]

    operations = [
        migrations.CreateModel(
            name='ServicePolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('license_notice_days', models.PositiveSmallIntegerField(default=30, validators=[django.core.validators.MaxValueValidator(366)], verbose_name='remind this many days before a licence expires')),
                ('tier_change_follow_up_days', models.PositiveSmallIntegerField(default=7, validators=[django.core.validators.MaxValueValidator(366)], verbose_name='follow up a tier or class change after (days)')),
                ('default_response_hours', models.PositiveSmallIntegerField(default=48, help_text="Used when the customer's class has no service standard, or the customer no class.", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(744)], verbose_name='response time for needs without a class standard (hours)')),
                ('festival_greeting_days_before', models.PositiveSmallIntegerField(default=3, help_text="The festival's date is computed from the lunar calendar.", validators=[django.core.validators.MaxValueValidator(30)], verbose_name='send the Spring Festival greeting this many days before')),
                ('company', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='service_policy', to='org.company')),
            ],
            options={
                'verbose_name': 'service policy',
                'verbose_name_plural': 'service policies',
            },
        ),
    ]
