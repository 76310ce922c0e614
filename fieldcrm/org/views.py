from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control


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
