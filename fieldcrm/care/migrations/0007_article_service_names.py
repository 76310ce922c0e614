"""The service catalogue in the article's own words (基本服务: 订单服务 … 实地拜访服务; 重要事件关注, 赠送短信).

Renames only items that still carry the name setup gave them: a name an admin chose is left alone. Reversible.
"""

from django.db import migrations

# code → (name set up before, the article's name)
RENAMES = {
    "ordering": ("订货服务", "订单服务"),
    "supply_guarantee": ("货源保障", "货源保障服务"),
    "field_visit": ("走访服务", "实地拜访服务"),
    "business_guidance": ("经营指导", "经营指导服务"),
    "information_support": ("信息支持", "信息支持服务"),
    "promotion_support": ("促销支持", "促销支持服务"),
    "important_events": ("重要事项关注", "重要事件关注"),
    "greeting_message": ("问候短信", "赠送短信"),
}


def _rename(apps, forward: bool):
    ServiceItem = apps.get_model("care", "ServiceItem")
    for code, (old, new) in RENAMES.items():
        before, after = (old, new) if forward else (new, old)
        ServiceItem.objects.filter(code=code, name=before).update(name=after)


def to_article_names(apps, schema_editor):
    _rename(apps, forward=True)


def to_earlier_names(apps, schema_editor):
    _rename(apps, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ('care', '0006_service_policy'),
    ]

    operations = [
        migrations.RunPython(to_article_names, to_earlier_names),
    ]
