"""How the dashboards show a figure: rates as percentages, amounts with two decimals, counts whole; the
engine's number itself is never changed (exports write it unrounded)."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def figure(value, rate=False) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else ""
    if not isinstance(value, int | float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return str(value)
    if rate:
        return f"{number_format(value * 100, 1)}%"
    if float(value).is_integer():
        return number_format(value, 0, force_grouping=True)
    return number_format(value, 2, force_grouping=True)


@register.filter
def money(value) -> str:
    """元 with two decimals."""
    if value is None or value == "":
        return "—"
    return number_format(float(value), 2, force_grouping=True)
