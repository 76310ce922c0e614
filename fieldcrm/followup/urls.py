from django.urls import path
from django.views.generic import RedirectView

from fieldcrm.followup import views

app_name = "followup"
urlpatterns = [
    path("demands/", views.demand_list, name="demand_list"),
    path("demands/inbox/", views.demand_inbox, name="demand_inbox"),
    path("demands/<int:pk>/", views.demand_detail, name="demand_detail"),
    path("demands/<int:pk>/accept", views.demand_accept, name="demand_accept"),
    path("demands/<int:pk>/resolve", views.demand_resolve, name="demand_resolve"),
    path("demands/<int:pk>/hand-back", views.demand_hand_back, name="demand_hand_back"),
    path("demands/<int:pk>/feedback", views.demand_feedback, name="demand_feedback"),
    path("demands/<int:pk>/close", views.demand_close, name="demand_close"),
    path("customers/<str:code>/demands/", views.customer_demands, name="customer_demands"),
    path("customers/<str:code>/demands/raise", views.demand_raise, name="demand_raise"),
    # The pages were /needs/ until the code settled on one word; bookmarks keep working.
    path("needs/", RedirectView.as_view(pattern_name="followup:demand_list", permanent=True, query_string=True)),
    path("customers/<str:code>/needs/",
         RedirectView.as_view(pattern_name="followup:customer_demands", permanent=True, query_string=True)),
]
