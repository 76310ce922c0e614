"""A user's own notices only: anyone else's is 404."""

from fieldcrm.lib.ids import one_or_404
from fieldcrm.notices.models import Notice


def get_notice_for_user(user, pk) -> Notice:
    return one_or_404(Notice.objects.for_user(user), pk, "No such notice")
