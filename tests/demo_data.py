"""What the demo tests share: clearing what a seed made, so the next seed starts from the people alone."""

from fieldcrm.customers.models import Customer
from fieldcrm.followup.models import Demand
from fieldcrm.monopoly.models import MarketReport
from fieldcrm.photos.models import Photo
from fieldcrm.sales.models import OrderLine, SalesTarget
from fieldcrm.visits.models import Visit, WeekPlan


def wipe_demo():
    """Everything the demo made but the people and the catalogue (seeding again keeps them)."""
    OrderLine.objects.all().delete()
    SalesTarget.objects.all().delete()
    Photo.objects.all().delete()
    MarketReport.objects.all().delete()
    Visit.objects.all().delete()
    Demand.objects.all().delete()
    WeekPlan.objects.all().delete()
    Customer.history.all().delete()
    Customer.objects.all().delete()
