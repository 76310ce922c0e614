from django.urls import path

from fieldcrm.sales import views

app_name = "sales"
urlpatterns = [
    path("analysis/", views.dashboard, name="home"),
    path("analysis/scorecard/", views.scorecard, name="scorecard"),
    path("analysis/retailers/<str:code>/", views.retailer, name="retailer"),
    path("analysis/retailers/<str:code>/letter/", views.letter, name="letter"),
    path("analysis/retailers/<str:code>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("analysis/retailers/<str:code>/letter/send", views.letter_send, name="letter_send"),
    path("analysis/<str:kind>/", views.dashboard, name="dashboard"),
    path("analysis/<str:kind>/export.xlsx", views.export, name="export"),
]
