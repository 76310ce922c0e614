from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from fieldcrm.lib.ids import one_or_404
from fieldcrm.org.forms import NewTokenForm
from fieldcrm.org.models import ApiToken


@login_required
def home(request):
    """Each role lands where its work is (issue 15, item 5): a manager on 今日 (the phone app; its menu links
    every web page), monopoly officers on the market information to act on, department staff on the needs
    routed to them; supervisors and admins on the customers."""
    if request.user.is_monopoly_officer:
        return redirect("monopoly:list")
    if request.user.is_department_staff:
        return redirect("followup:demand_inbox")
    if request.user.is_manager:
        return redirect("field_today")
    return redirect("customers:list")


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the hashed static copy."""
    return redirect(static("fieldcrm/favicon.ico"), permanent=True)


@login_required
def account(request):
    """My account: my API tokens (created, last used, expires, state) with revoke, and a new one whose secret
    is shown once, in the answer to the POST that made it (never stored, never in a redirect)."""
    secret = None
    form = NewTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        secret = ApiToken.issue(request.user, form.cleaned_data["name"])
        form = NewTokenForm()
    tokens = ApiToken.objects.filter(user=request.user).select_related("user")
    return render(request, "org/account.html", {
        "form": form, "secret": secret, "tokens": tokens, "token_days": settings.API_TOKEN_DAYS,
    })


@login_required
@require_POST
def revoke_token(request, pk):
    """Only the user's own tokens: another user's token does not exist here (404)."""
    token = one_or_404(ApiToken.objects.filter(user=request.user), pk, "No such token")
    token.revoke()
    messages.success(request, _("Token %(prefix)s… revoked: it no longer works.") % {"prefix": token.prefix})
    return redirect("org:account")
