"""The top class's description said "weekly visits" while its standard said twice a week. How often a class is
visited is its service standard alone now (care/defaults.STANDARDS): drop the frequency from the description
setup wrote. A description an admin changed is left alone; existing standards are company configuration and
are not touched. Reversible."""

from django.db import migrations

OLD, NEW = "Top tiers: weekly visits", "Top tiers"


def drop_the_frequency(apps, schema_editor):
    apps.get_model("customers", "CustomerClass").objects.filter(name="核心客户", description=OLD).update(description=NEW)


def restore_it(apps, schema_editor):
    apps.get_model("customers", "CustomerClass").objects.filter(name="核心客户", description=NEW).update(description=OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('care', '0007_article_service_names'),
        ('customers', '0003_search_trigram_index'),
    ]

    operations = [
        migrations.RunPython(drop_the_frequency, restore_it),
    ]
