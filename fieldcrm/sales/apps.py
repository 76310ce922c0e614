from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    """Duty 6: order lines, the analytics store and its analyses, out-of-stock warnings, tiers from orders and
    the six-duty scorecard. It reads every other app; none imports it (it registers what others show)."""

    name = "fieldcrm.sales"
    label = "sales"
    verbose_name = _("Sales and analysis")

    def ready(self):
        from fieldcrm.sales import checklist, duties, reasons

        # The scorecard's duties 1–5, from each app's metrics.py.
        duties.register()

        # Out-of-stock risks: a reason to visit before the run-out day, and an item on the visit's checklist.
        reasons.register()
        checklist.register()
        # The business-guidance task carries the store's guidance letter in one paragraph (care's registry).
        from fieldcrm.care.content import register_store_figures
        from fieldcrm.sales.letters import guidance_figures

        register_store_figures(guidance_figures)
