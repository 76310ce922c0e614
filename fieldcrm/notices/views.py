"""The notices inbox: the user's latest notices, unread first in the badge; opening one marks it read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fieldcrm.notices import actions
from fieldcrm.notices.access import get_notice_for_user
from fieldcrm.notices.models import Notice
from fieldcrm.pages import safe_url

SHOWN = 100


@login_required
def inbox(request):
    notices = list(Notice.objects.for_user(request.user)[:SHOWN])
    return render(request, "notices/inbox.html", {"notices": notices,
                                                   "any_unread": any(not n.is_read for n in notices)})


@require_POST
@login_required
def read(request, pk):
    """Mark read and open what the notice is about (its link, when it is one of ours)."""
    notice = actions.mark_read(get_notice_for_user(request.user, pk))
    return redirect(safe_url(request, notice.link or None, "notices:inbox"))


@require_POST
@login_required
def read_all(request):
    actions.mark_all_read(request.user)
    return redirect("notices:inbox")
