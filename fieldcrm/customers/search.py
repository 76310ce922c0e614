"""Search and filters over the customer list, shared by the page, the export and the API."""

from django import forms
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from fieldcrm.customers.models import (
    VOLATILE_FIELDS,
    BusinessFormat,
    Customer,
    CustomerClass,
    CustomerStatus,
    MarketType,
)
from fieldcrm.lib.cleaning import fold_width
from fieldcrm.org.models import Territory, User

STALE_CHOICES = [("", "—"), ("any", _("any volatile field"))] + [
    (name, Customer._meta.get_field(name).verbose_name) for name in VOLATILE_FIELDS
]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    tier_min = forms.IntegerField(label=_("Tier from"), required=False, min_value=1, max_value=30)
    tier_max = forms.IntegerField(label=_("Tier to"), required=False, min_value=1, max_value=30)
    customer_class = forms.ModelChoiceField(
        label=_("Class"), required=False, queryset=CustomerClass.objects.none(), empty_label="—"
    )
    business_format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("", "—"), *BusinessFormat.choices]
    )
    market_type = forms.ChoiceField(label=_("Market"), required=False, choices=[("", "—"), *MarketType.choices])
    territory = forms.ModelChoiceField(
        label=_("Territory"), required=False, queryset=Territory.objects.none(), empty_label="—"
    )
    manager = forms.ModelChoiceField(
        label=_("Manager"), required=False, queryset=User.objects.none(), empty_label="—"
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "—"), *CustomerStatus.choices])
    stale = forms.ChoiceField(label=_("Not verified for 180 days"), required=False, choices=STALE_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        company_id = user.company_id
        self.fields["customer_class"].queryset = CustomerClass.objects.filter(company_id=company_id)
        self.fields["territory"].queryset = Territory.objects.filter(area__company_id=company_id).order_by("name")
        managers = User.objects.team_of(user).order_by("username")
        if user.is_manager:
            del self.fields["manager"]
        else:
            self.fields["manager"].queryset = managers
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"

    def clean(self):
        cleaned = super().clean()
        tier_min, tier_max = cleaned.get("tier_min"), cleaned.get("tier_max")
        if tier_min and tier_max and tier_min > tier_max:
            raise forms.ValidationError(_("The lowest tier is above the highest tier."))
        return cleaned

    def active_filters(self) -> dict:
        """The filters in use, as plain values (logged with exports)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: getattr(v, "pk", v) for k, v in self.cleaned_data.items() if v not in (None, "")}


def apply_filters(queryset, filters: dict):
    """Filter customers. `filters` holds plain values (ids, codes); unknown keys are ignored."""
    term = fold_width(str(filters.get("q") or "")).strip().lower()
    if term:
        digits = term.replace("-", "").replace(" ", "")
        if digits.startswith("+86"):
            digits = digits[3:]
        queryset = queryset.filter(search_text__contains=digits if digits.isdigit() else term)
    if filters.get("tier_min"):
        queryset = queryset.filter(tier__gte=filters["tier_min"])
    if filters.get("tier_max"):
        queryset = queryset.filter(tier__lte=filters["tier_max"])
    for key, lookup in (
        ("customer_class", "customer_class_id"),
        ("territory", "territory_id"),
        ("manager", "manager_id"),
        ("business_format", "business_format"),
        ("market_type", "market_type"),
        ("status", "status"),
    ):
        value = filters.get(key)
        if value not in (None, ""):
            queryset = queryset.filter(**{lookup: getattr(value, "pk", value)})
    stale = filters.get("stale")
    if stale == "any":
        queryset = queryset.stale()
    elif stale in VOLATILE_FIELDS:
        queryset = queryset.stale(stale)
    return queryset


# Counting every match of a broad filter over 300,000 profiles costs more than showing the page; past this
# many, lists say "10000+" (a manager's own list is always counted exactly).
COUNT_CAP = 10_000


def capped_count(queryset) -> tuple[int, bool]:
    """(count, capped): the exact count up to COUNT_CAP, else (COUNT_CAP, True)."""
    count = queryset.order_by()[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


class CappedPaginator(Paginator):
    """A paginator whose count stops at COUNT_CAP (pages beyond it are not offered)."""

    capped = False

    @cached_property
    def count(self):
        count, self.capped = capped_count(self.object_list)
        return count
