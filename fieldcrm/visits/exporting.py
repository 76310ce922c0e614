"""The week plan as a spreadsheet (managers print it or share it; supervisors file it), in visiting order."""

import xlsxwriter
from django.utils import formats
from django.utils.translation import gettext as _

from fieldcrm.visits.reasons import reason_text


def export_plan_xlsx(output, plan, days) -> int:
    """Write the plan's days (DayRoutes from routing.plan_days) to `output`; returns the number of visits."""
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = workbook.add_worksheet(f"{plan.week_start:%Y-%m-%d}")
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    header = [_("Day"), _("Order"), _("Arrival"), _("Customer code"), _("Store"), _("Address"), _("Phone"),
              _("Opening hours"), _("Reasons"), _("Key problems to solve")]
    sheet.write(0, 0, _("Visit plan, week of %(week)s") % {"week": f"{plan.week_start:%Y-%m-%d}"}, bold)
    sheet.write(0, 4, f"{plan.manager} · {plan.get_status_display()}")
    sheet.write_row(2, 0, header, bold)
    row = 3
    count = 0
    for route in days:
        label = f"{formats.date_format(route.day, 'D')} {route.day:%m-%d}"
        for visit in route.visits:
            customer = visit.customer
            values = [label, visit.sequence, f"{visit.arrival:%H:%M}" if visit.arrival else "",
                      customer.customer_code, customer.name, customer.address, customer.phone,
                      customer.business_hours, "; ".join(reason_text(r) for r in visit.reasons), visit.problems]
            for col, value in enumerate(values):
                if isinstance(value, int):
                    sheet.write_number(row, col, value)
                else:
                    sheet.write_string(row, col, value, text)
            row += 1
            count += 1
        summary = _("%(visits)s visits · %(km)s km · %(hours)s min") % {
            "visits": len(route.visits), "km": f"{route.km:.1f}", "hours": route.minutes}
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 4, summary, bold)
        row += 2
    sheet.set_column(0, 0, 12)
    sheet.set_column(3, 3, 15)
    sheet.set_column(4, 5, 24)
    sheet.set_column(8, 9, 40)
    workbook.close()
    return count
