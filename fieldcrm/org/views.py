from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """Each role lands where its work is: managers on their customers, departments on their inbox."""
    if request.user.is_department_staff:
        return redirect("customers:requests")
    return redirect("customers:list")
