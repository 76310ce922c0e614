from django.urls import path

from fieldcrm.sales import tier_views

app_name = "tiers"

urlpatterns = [
    path("tiers/reviews/", tier_views.tier_reviews, name="reviews"),
    path("tiers/reviews/<int:pk>/decide/", tier_views.tier_review_decide, name="decide"),
]
