"""The nav's unread badge: one indexed count per page, and only when the page shows it (lazy)."""

from django.utils.functional import SimpleLazyObject

from fieldcrm.notices.models import Notice


def unread_notices(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": SimpleLazyObject(lambda: Notice.objects.for_user(user).unread().count())}
