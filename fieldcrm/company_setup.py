"""Setting up a company: departments, default customer classes, who owns which profile field, the service
catalogue and standards, the service and planning policies. Project-level because it reaches into every app
(apps never import it)."""

from django.db import transaction

from fieldcrm.care.defaults import setup_care
from fieldcrm.care.models import ServicePolicy
from fieldcrm.customers.models import CustomerClass, FieldPolicy
from fieldcrm.org.models import Company, Department
from fieldcrm.visits.models import PlanningPolicy

DEPARTMENT_NAMES = {
    Department.Kind.MARKETING: "营销中心",
    Department.Kind.LOGISTICS: "物流配送中心",
    Department.Kind.SUPPLY: "货源管理科",
    Department.Kind.SERVICE: "客户服务部",
    Department.Kind.MONOPOLY: "专卖管理科",
}

# Default owner of each profile field (company configuration; admins change it in the admin).
# None = the manager edits the field directly.
DEFAULT_FIELD_OWNERS: dict[str, Department.Kind | None] = {
    "name": Department.Kind.MONOPOLY,
    "license_no": Department.Kind.MONOPOLY,
    "owner_name": Department.Kind.MONOPOLY,
    "license_expiry": Department.Kind.MONOPOLY,
    "status": Department.Kind.MONOPOLY,
    "phone": Department.Kind.SERVICE,
    "address": Department.Kind.LOGISTICS,
    "business_format": Department.Kind.MARKETING,
    "market_type": Department.Kind.MARKETING,
    "business_scale": Department.Kind.MARKETING,
    "tier": Department.Kind.MARKETING,
    "customer_class": Department.Kind.MARKETING,
    "order_day": Department.Kind.MARKETING,
    "territory": Department.Kind.MARKETING,
    "location": None,
    "business_hours": None,
    "rest_day": None,
    "owner_birthday": None,
}

# How often each class is visited is its service standard (care/defaults.STANDARDS), not said here.
DEFAULT_CUSTOMER_CLASSES = [
    ("核心客户", "Top tiers"),
    ("重点客户", "Upper-middle tiers"),
    ("普通客户", "Middle tiers"),
    ("培育客户", "Small or new retailers to develop"),
]


@transaction.atomic
def setup_company(name: str, code: str) -> Company:
    """Create (or complete) a company with its departments, classes and field policies."""
    company, _created = Company.objects.get_or_create(code=code, defaults={"name": name})
    departments = {}
    for kind, department_name in DEPARTMENT_NAMES.items():
        departments[kind], _ = Department.objects.get_or_create(
            company=company, kind=kind, defaults={"name": department_name}
        )
    for order, (class_name, description) in enumerate(DEFAULT_CUSTOMER_CLASSES, start=1):
        CustomerClass.objects.get_or_create(
            company=company, name=class_name, defaults={"sort_order": order, "description": description}
        )
    for field, owner in DEFAULT_FIELD_OWNERS.items():
        FieldPolicy.objects.get_or_create(
            company=company,
            field=field,
            defaults={"manager_editable": owner is None, "department": departments[owner] if owner else None},
        )
    setup_care(company)
    ServicePolicy.for_company(company)
    PlanningPolicy.for_company(company)
    return company
