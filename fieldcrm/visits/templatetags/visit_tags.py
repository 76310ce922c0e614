from django import template

from fieldcrm.visits.reasons import reason_text as render_reason

register = template.Library()


@register.filter
def reason_text(reason: dict) -> str:
    """A visit's reason in the reader's language."""
    return render_reason(reason)
