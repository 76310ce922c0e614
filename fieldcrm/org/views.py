from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control


@login_required
def home(request):
    """Each role lands where its work is: managers on their customers, departments on their inbox."""
    if request.user.is_department_staff:
        return redirect("customers:requests")
    return redirect("customers:list")


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the hashed static copy."""
    return redirect(static("fieldcrm/favicon.ico"), permanent=True)
