from django.urls import path

from fieldcrm.visits.views import plans, records

app_name = "visits"
urlpatterns = [
    path("visits/", plans.index, name="index"),
    path("visits/generate", plans.generate, name="generate"),
    path("visits/job", plans.job_status, name="job"),
    path("visits/runs/<int:pk>/", plans.run_progress, name="run"),
    path("visits/plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("visits/plans/<int:pk>/export.xlsx", plans.plan_export, name="export"),
    path("visits/plans/<int:pk>/add", plans.plan_add, name="add"),
    path("visits/plans/<int:pk>/stores", plans.plan_store_search, name="store_search"),
    path("visits/plans/<int:pk>/reoptimise", plans.plan_reoptimise, name="reoptimise"),
    path("visits/plans/<int:pk>/regenerate", plans.plan_regenerate, name="regenerate"),
    path("visits/plans/<int:pk>/submit", plans.plan_submit, name="submit"),
    path("visits/plans/<int:pk>/decide", plans.plan_decide, name="decide"),
    path("visits/<int:pk>/edit", plans.visit_actions, name="visit_actions"),
    path("visits/<int:pk>/move", plans.visit_move, name="move"),
    path("visits/<int:pk>/reorder", plans.visit_reorder, name="reorder"),
    path("visits/<int:pk>/remove", plans.visit_remove, name="remove"),
    path("visits/<int:pk>/problems", plans.visit_problems, name="problems"),
    path("visits/<int:pk>/join", plans.visit_join, name="join"),
    path("visits/joins/<int:pk>/decide", plans.join_decide, name="join_decide"),
    # Visits done at the store (the /visits/<pk>/ paths above are planned visits).
    path("visits/records/", records.record_list, name="records"),
    path("visits/records/<int:pk>/", records.record_detail, name="record"),
    path("visits/records/stores/<str:code>/", records.customer_visits, name="customer_visits"),
    path("visits/actuals/", records.plan_actuals, name="actuals"),
]
