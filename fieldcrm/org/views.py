from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from fieldcrm.org.models import User


@login_required
def home(request):
    """Each role lands where its work is: managers on their customers, departments on their inbox."""
    if request.user.role in (User.Role.DEPARTMENT, User.Role.MONOPOLY):
        return redirect("customers:requests")
    return redirect("customers:list")
