"""A retailer's monthly business-guidance letter (经营分析指导书): their volume and average carton price by brand,
their trend against peers of the same tier and business format, the out-of-stock risks, and advice.

Every figure comes from the analytics engine (`figures`); the letter only arranges them and words the advice.
It is an HTML page, a PDF (WeasyPrint, the same template) and a message through the care app's sender; the
business-guidance service task shows its summary (registered in SalesConfig.ready()).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from fieldcrm.care.senders import get_sender
from fieldcrm.customers.models import Customer, CustomerStatus
from fieldcrm.sales import stockouts
from fieldcrm.sales.analytics.periods import Scope
from fieldcrm.sales.figures import engine_tables, figures, month_start, ranked

# Below this many days of stock a SKU the store orders is a risk worth a line in the letter.
LOW_COVER_DAYS = 7
# A change this large (either way) against last month or the peers is worth advice.
NOTABLE = 0.10


@dataclass
class Letter:
    customer: Customer
    month: date
    brands: list[dict] = field(default_factory=list)  # key, volume_cartons, avg_carton_price, yoy, mom
    total: dict = field(default_factory=dict)
    peers: dict = field(default_factory=dict)  # stores, volume_cartons (per store), avg_carton_price
    trend: list[dict] = field(default_factory=list)  # month, own volume, peers' volume per store
    risks: list[dict] = field(default_factory=list)  # key (SKU), days_of_cover
    risk_source: str = ""
    advice: list[str] = field(default_factory=list)

    @property
    def end(self) -> date:
        return month_start(self.month, -1)

    def summary(self) -> str:
        """One paragraph in the active language: what the message says and the service task shows."""
        if not self.total:
            return _("%(month)s: no orders this month.") % {"month": f"{self.month:%Y-%m}"}
        text = _("%(month)s: %(volume)s 条, average %(price)s 元/条") % {
            "month": f"{self.month:%Y-%m}", "volume": _number(self.total["volume_cartons"]),
            "price": _money(self.total["avg_carton_price"])}
        if self.peers.get("volume_cartons"):
            text += _(" (stores of the same tier and format: %(volume)s 条, %(price)s 元/条)") % {
                "volume": _number(self.peers["volume_cartons"]), "price": _money(self.peers.get("avg_carton_price"))}
        return "；".join([text, *self.advice]) if self.advice else text


def _number(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _money(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


def peers_of(customer: Customer):
    """Active stores of the same company, tier and business format, the store itself excluded."""
    return (Customer.objects.filter(company_id=customer.company_id, tier=customer.tier,
                                    business_format=customer.business_format, status=CustomerStatus.ACTIVE)
            .exclude(pk=customer.pk))


def _company(customer: Customer) -> Scope:
    """The peers' figures are the company's: the letter compares a store with stores its reader may not see
    (only their average is shown)."""
    return Scope(company_id=customer.company_id)


def peer_figures(customer: Customer, start: date, end: date, tables=None) -> dict:
    """The peers' volume per store and their average carton price: the engine's total over the active stores
    of the tier and format (its tier / format / status filters), less the store's own row when it is one of
    them; a store without orders counts as selling nothing."""
    stores = peers_of(customer).count()
    if not stores:
        return {}
    alike = {"tier": str(customer.tier), "format": customer.business_format, "status": CustomerStatus.ACTIVE}
    scope = _company(customer)
    group = figures("sales", None, start, end, "company", alike, tables=tables, scope=scope)
    cartons = group[0]["volume_cartons"] if group else 0
    revenue = group[0]["revenue"] if group else 0
    if group and customer.status == CustomerStatus.ACTIVE:
        own = figures("sales", None, start, end, "company", {**alike, "customer": customer.customer_code},
                      tables=tables, scope=scope)
        if own:
            cartons, revenue = cartons - own[0]["volume_cartons"], revenue - own[0]["revenue"]
    return {"stores": stores, "volume_cartons": cartons / stores,
            "avg_carton_price": revenue / cartons if cartons else None}


def stock_risks(customer: Customer) -> tuple[list[dict], str]:
    """SKUs at risk of running out: the stored `oos_risk` rows (stockouts.py, metrics.md's definition), soonest
    first, with their days of cover."""
    return [{"key": risk.sku.name, "days_of_cover": risk.days_of_cover}
            for risk in stockouts.risks_of([customer])], "oos_risk"


def advice_for(letter: Letter) -> list[str]:
    """Plain advice from the figures, most telling first."""
    advice = []
    total, peers = letter.total, letter.peers
    if not total:
        return [_("No orders this month: order the best sellers of your tier to keep them on the shelf.")]
    mom = total.get("mom")
    if mom is not None and mom <= -NOTABLE:
        advice.append(_("Volume fell %(pct).0f%% against last month: check which brands customers asked for and "
                        "did not find.") % {"pct": -mom * 100})
    elif mom is not None and mom >= NOTABLE:
        advice.append(_("Volume grew %(pct).0f%% against last month: keep the brands that sold well in stock.")
                      % {"pct": mom * 100})
    if peers.get("volume_cartons"):
        gap = total["volume_cartons"] / peers["volume_cartons"] - 1
        if gap <= -NOTABLE:
            advice.append(_("You sell %(pct).0f%% less than stores of your tier and format: widen the range on "
                            "display.") % {"pct": -gap * 100})
        elif gap >= NOTABLE:
            advice.append(_("You sell %(pct).0f%% more than stores of your tier and format.") % {"pct": gap * 100})
    price, peer_price = total.get("avg_carton_price"), peers.get("avg_carton_price")
    if price and peer_price and price < peer_price * (1 - NOTABLE):
        advice.append(_("Your average carton price is below your peers': higher price classes may suit your "
                        "customers."))
    if letter.risks:
        advice.append(_("Reorder soon: %(skus)s.") % {"skus": "、".join(str(r["key"]) for r in letter.risks[:5])})
    return advice


def build_letter(customer: Customer, month: date, user, *, scope: Scope | None = None,
                 with_trend: bool = True) -> Letter:
    """The letter for `customer` and the month starting `month`, with what `user` may see of the store (a job
    with no user passes the `scope`; `with_trend=False`: without the six months' trend, for the one-paragraph
    summary)."""
    letter = Letter(customer, month_start(month))
    start, end = letter.month, letter.end
    mine = {"customer": customer.customer_code}
    tables = engine_tables()
    letter.brands = ranked(figures("sales", user, start, end, "brand", mine, tables=tables, scope=scope),
                           "volume_cases")
    totals = figures("sales", user, start, end, "company", mine, tables=tables, scope=scope)
    letter.total = totals[0] if totals else {}
    letter.peers = peer_figures(customer, start, end, tables)
    for back in range(5 if with_trend else -1, -1, -1):
        first, last = month_start(start, back), month_start(start, back - 1)
        own = figures("sales", user, first, last, "company", mine, tables=tables, scope=scope)
        peers = peer_figures(customer, first, last, tables) if back else letter.peers
        letter.trend.append({"month": f"{first:%Y-%m}", "volume_cartons": own[0]["volume_cartons"] if own else 0,
                             "peers": peers.get("volume_cartons")})
    letter.risks, letter.risk_source = stock_risks(customer)
    letter.advice = advice_for(letter)
    return letter


def letter_html(letter: Letter, *, pdf: bool = False) -> str:
    return render_to_string("sales/_letter_body.html", {"letter": letter, "pdf": pdf, "low_cover": LOW_COVER_DAYS})


def letter_pdf(letter: Letter) -> bytes:
    """The letter as PDF: the page's own body, set in Noto CJK (fonts-noto-cjk)."""
    import weasyprint  # type: ignore[import-untyped]  # here: pango loads only when a PDF is asked for

    html = render_to_string("sales/letter_pdf.html", {"letter": letter, "body": letter_html(letter, pdf=True)})
    return weasyprint.HTML(string=html).write_pdf()


def can_send(user, customer: Customer) -> bool:
    """Only the store's own manager writes to the retailer; others read the letter."""
    return user.is_manager and customer.manager_id == user.pk


def send_letter(letter: Letter, *, by):
    """The letter's summary to the retailer, in the retailers' language, through the configured sender."""
    with translation.override("zh-hans"):
        text = f"{letter.customer.owner_name}您好，{_('Business guidance')} {letter.summary()}——客户经理{by}"
    return get_sender().send(letter.customer, text[:500], by=by)


def guidance_figures(customer: Customer, day: date) -> str:
    """The business-guidance service task's store numbers (care.content.register_store_figures): last
    month's letter in one paragraph."""
    letter = build_letter(customer, month_start(day, 1), None, scope=_company(customer), with_trend=False)
    if not letter.total:
        return ""  # nothing ordered: the guidance keeps its own advice
    return _("Guidance letter %(summary)s") % {"summary": letter.summary()}
