from django.urls import path
from django.views.generic import RedirectView

from fieldcrm.followup import views

app_name = "followup"
urlpatterns = [
    path("demands/", views.demand_list, name="demand_list"),
    path("demands/<int:pk>/close", views.demand_close, name="demand_close"),
    path("customers/<str:code>/demands/", views.customer_demands, name="customer_demands"),
    path("customers/<str:code>/demands/raise", views.demand_raise, name="demand_raise"),
    # The pages were /needs/ until the code settled on one word; bookmarks keep working.
    path("needs/", RedirectView.as_view(pattern_name="followup:demand_list", permanent=True, query_string=True)),
    path("customers/<str:code>/needs/",
         RedirectView.as_view(pattern_name="followup:customer_demands", permanent=True, query_string=True)),
]
