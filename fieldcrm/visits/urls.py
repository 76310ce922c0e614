from django.urls import path

from fieldcrm.visits import views

app_name = "visits"
urlpatterns = [
    path("visits/", views.index, name="index"),
    path("visits/generate", views.generate, name="generate"),
    path("visits/job", views.job_status, name="job"),
    path("visits/runs/<int:pk>/", views.run_progress, name="run"),
    path("visits/plans/<int:pk>/", views.plan_detail, name="plan"),
    path("visits/plans/<int:pk>/export.xlsx", views.plan_export, name="export"),
    path("visits/plans/<int:pk>/add", views.plan_add, name="add"),
    path("visits/plans/<int:pk>/stores", views.plan_store_search, name="store_search"),
    path("visits/plans/<int:pk>/reoptimise", views.plan_reoptimise, name="reoptimise"),
    path("visits/plans/<int:pk>/regenerate", views.plan_regenerate, name="regenerate"),
    path("visits/plans/<int:pk>/submit", views.plan_submit, name="submit"),
    path("visits/plans/<int:pk>/decide", views.plan_decide, name="decide"),
    path("visits/<int:pk>/edit", views.visit_actions, name="visit_actions"),
    path("visits/<int:pk>/move", views.visit_move, name="move"),
    path("visits/<int:pk>/reorder", views.visit_reorder, name="reorder"),
    path("visits/<int:pk>/remove", views.visit_remove, name="remove"),
    path("visits/<int:pk>/problems", views.visit_problems, name="problems"),
    path("visits/<int:pk>/join", views.visit_join, name="join"),
    path("visits/joins/<int:pk>/decide", views.join_decide, name="join_decide"),
]
