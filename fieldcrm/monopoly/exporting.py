"""The monthly market information summary as a spreadsheet: counts by kind, the business information items
and the retailers' opinions, one sheet each. Violations appear as counts only, as on the page."""

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.monopoly.summary import MonthSummary


def export_summary_xlsx(output, summary: MonthSummary) -> None:
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    title = _("Market information of %(area)s, %(month)s") % {"area": summary.area.name,
                                                                "month": f"{summary.month:%Y-%m}"}

    sheet = workbook.add_worksheet(_("Counts"))
    sheet.write_string(0, 0, title, bold)
    sheet.write_row(2, 0, [_("Kind"), _("Goes to"), _("Reports")], bold)
    row = 3
    for kind in summary.kinds:
        sheet.write_string(row, 0, kind.label)
        sheet.write_string(row, 1, _("Monopoly office") if kind.category == "violation" else _("Marketing"))
        sheet.write_number(row, 2, kind.count)
        row += 1
    sheet.write_string(row, 0, _("Business information"), bold)
    sheet.write_number(row, 2, summary.business, bold)
    sheet.write_string(row + 1, 0, _("Violations (counts only)"), bold)
    sheet.write_number(row + 1, 2, summary.violations, bold)
    sheet.write_string(row + 2, 0, _("Visits"), bold)
    sheet.write_number(row + 2, 2, summary.visits, bold)
    sheet.set_column(0, 1, 30)

    items = workbook.add_worksheet(_("Business information"))
    items.write_row(0, 0, [_("No."), _("Observed at"), _("Kind"), _("Reported by"), _("Store or place"),
                           _("What was seen"), _("Status"), _("Marketing's note")], bold)
    for n, report in enumerate(summary.items, start=1):
        place = report.customer.name if report.customer else report.address
        items.write_number(n, 0, report.pk)
        items.write_string(n, 1, f"{timezone.localtime(report.observed_at):%Y-%m-%d %H:%M}")
        items.write_string(n, 2, report.get_kind_display())
        items.write_string(n, 3, str(report.reporter))
        items.write_string(n, 4, place)
        items.write_string(n, 5, report.description, wrap)
        items.write_string(n, 6, report.get_status_display())
        items.write_string(n, 7, report.outcome, wrap)
    items.freeze_panes(1, 0)
    items.set_column(1, 4, 18)
    items.set_column(5, 5, 60)
    items.set_column(7, 7, 40)

    opinions = workbook.add_worksheet(_("Retailers' opinions"))
    opinions.write_row(0, 0, [_("Topic"), _("Opinions"), _("Day"), _("Store"), _("Manager"), _("What was said")],
                       bold)
    row = 1
    for topic in summary.opinions:
        opinions.write_string(row, 0, topic.label, bold)
        opinions.write_number(row, 1, topic.count, bold)
        for quote in topic.quotes:
            opinions.write_string(row, 2, f"{quote['day']:%Y-%m-%d}")
            opinions.write_string(row, 3, quote["store"])
            opinions.write_string(row, 4, quote["manager"])
            opinions.write_string(row, 5, quote["text"], wrap)
            row += 1
        row += 0 if topic.quotes else 1
    opinions.freeze_panes(1, 0)
    opinions.set_column(0, 0, 16)
    opinions.set_column(2, 4, 16)
    opinions.set_column(5, 5, 60)
    workbook.close()
