"""Default service catalogue and standards (company configuration; admins change them in the admin).

The catalogue's names are the article's own (基本服务: 订单服务 … 实地拜访服务; 营销服务; 情感服务: 生日祝福,
重要事件关注, 赠送短信 …). No national rule fixes the standards: the defaults follow domain.md — weekly visits
for the top classes, fortnightly for the middle, monthly for the rest. This module is the one place that
says how often a default class is visited.
"""

from fieldcrm.care.models import ItemFrequency as F
from fieldcrm.care.models import ServiceKind, VisitFrequency

# (code, kind, name, needs a visit); names as the article lists them (migration care/0007 renamed the
# earlier ones in existing databases).
CATALOGUE = [
    ("ordering", ServiceKind.BASIC, "订单服务", False),
    ("delivery", ServiceKind.BASIC, "配送服务", False),
    ("supply_guarantee", ServiceKind.BASIC, "货源保障服务", False),
    ("field_visit", ServiceKind.BASIC, "实地拜访服务", True),
    ("business_guidance", ServiceKind.MARKETING, "经营指导服务", True),
    ("information_support", ServiceKind.MARKETING, "信息支持服务", False),
    ("promotion_support", ServiceKind.MARKETING, "促销支持服务", True),
    ("birthday_greeting", ServiceKind.EMOTIONAL, "生日祝福", False),
    ("important_events", ServiceKind.EMOTIONAL, "重要事件关注", False),
    ("greeting_message", ServiceKind.EMOTIONAL, "赠送短信", False),
    ("help_away_from_home", ServiceKind.EMOTIONAL, "异地引路", False),
    ("legal_advice", ServiceKind.EMOTIONAL, "法律咨询", False),
]

# What a service says when nothing more specific applies (admins edit it on the service item). Business
# guidance's advice is concrete: what to do on the shelf, with the price tags and with the order.
STANDARD_CONTENT = {
    "business_guidance": "畅销规格放在柜台正面、视线高度；价签与实际零售价一致；每周对一次进销存，"
                         "断货前补订，滞销规格换成本店常卖价位段的规格。",
}

COMMON = {
    "ordering": F.WEEKLY, "delivery": F.WEEKLY, "supply_guarantee": F.WEEKLY, "field_visit": F.EACH_VISIT,
    "birthday_greeting": F.YEARLY, "important_events": F.ON_EVENT, "help_away_from_home": F.ON_EVENT,
    "legal_advice": F.ON_EVENT,
}

# class name → (visit frequency, response hours, extra items and how often)
STANDARDS = {
    "核心客户": (VisitFrequency.WEEKLY, 24, {"business_guidance": F.MONTHLY, "information_support": F.WEEKLY,
                                         "promotion_support": F.MONTHLY, "greeting_message": F.MONTHLY}),
    "重点客户": (VisitFrequency.WEEKLY, 48, {"business_guidance": F.MONTHLY, "information_support": F.WEEKLY,
                                         "promotion_support": F.QUARTERLY, "greeting_message": F.QUARTERLY}),
    "普通客户": (VisitFrequency.FORTNIGHTLY, 72, {"business_guidance": F.QUARTERLY, "information_support": F.MONTHLY,
                                              "greeting_message": F.QUARTERLY}),
    "培育客户": (VisitFrequency.MONTHLY, 72, {"business_guidance": F.MONTHLY, "information_support": F.MONTHLY}),
}

# Minutes planned at the store per visit: longer where more services are delivered.
VISIT_MINUTES = {"核心客户": 20, "重点客户": 15, "普通客户": 12, "培育客户": 10}


def setup_care(company):
    """Create the catalogue and a standard for each default class that has none yet."""
    from fieldcrm.care.models import ServiceItem, ServiceStandard, StandardItem
    from fieldcrm.customers.models import CustomerClass

    items = {}
    for order, (code, kind, name, needs_visit) in enumerate(CATALOGUE, start=1):
        items[code], _ = ServiceItem.objects.get_or_create(
            company=company, code=code,
            defaults={"kind": kind, "name": name, "needs_visit": needs_visit, "sort_order": order,
                      "standard_content": STANDARD_CONTENT.get(code, "")},
        )
    for class_name, (frequency, hours, extra) in STANDARDS.items():
        customer_class = CustomerClass.objects.filter(company=company, name=class_name).first()
        if customer_class is None:
            continue
        standard, created = ServiceStandard.objects.get_or_create(
            customer_class=customer_class,
            defaults={"company": company, "visit_frequency": frequency, "response_hours": hours,
                      "visit_minutes": VISIT_MINUTES.get(class_name, 15)},
        )
        if created:
            StandardItem.objects.bulk_create(
                StandardItem(standard=standard, item=items[code], frequency=how)
                for code, how in {**COMMON, **extra}.items()
            )
