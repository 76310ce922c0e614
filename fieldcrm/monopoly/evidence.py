"""A market report's photos: registered with the photos app, which knows no owner by itself."""

from fieldcrm.monopoly.access import get_report_for_user
from fieldcrm.monopoly.actions import record_view, refuse_if_decided
from fieldcrm.monopoly.models import MarketReport
from fieldcrm.photos.registry import PhotoOwner
from fieldcrm.photos.registry import register as register_owner

OWNER_TYPE = "market_report"


def _opened(user, report, photo) -> None:
    record_view(report, user, photo=photo)


def register() -> None:
    register_owner(PhotoOwner(code=OWNER_TYPE, model=MarketReport, visible=MarketReport.objects.visible_to,
                              lookup=get_report_for_user, opened=_opened, check_open=refuse_if_decided))
