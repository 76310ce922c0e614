"""Export of the customer list in the import layout (Chinese headers), so an export re-imports unchanged."""

import xlsxwriter

from fieldcrm.customers.fields import FORMAT_EXPORT, MARKET_EXPORT, SCALE_EXPORT, STATUS_EXPORT

HEADER = [
    "客户编码", "客户名称", "许可证号", "户主姓名", "联系电话", "经营地址", "经度", "纬度", "坐标系", "业态",
    "市场类型",
    "经营规模", "档位", "客户分类", "订货日", "营业时间", "客户经理", "片区", "户主生日", "许可证有效期至", "状态",
]


def customer_row(c) -> list:
    return [
        c.customer_code, c.name, c.license_no, c.owner_name, c.phone, c.address,
        c.longitude, c.latitude, "WGS84" if c.longitude is not None else "",
        FORMAT_EXPORT.get(c.business_format, ""), MARKET_EXPORT.get(c.market_type, ""),
        SCALE_EXPORT.get(c.business_scale, ""), c.tier,
        c.customer_class.name if c.customer_class_id else "", c.order_day, c.business_hours,
        c.manager.employee_no or c.manager.username, c.territory.name if c.territory_id else "",
        c.owner_birthday, c.license_expiry, STATUS_EXPORT.get(c.status, ""),
    ]


def export_customers_xlsx(output, queryset) -> int:
    """Write the customers to `output` (a file or response); returns the row count."""
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": False})
    sheet = workbook.add_worksheet("客户")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    text_format = workbook.add_format({"num_format": "@"})
    sheet.write_row(0, 0, HEADER)
    count = 0
    rows = queryset.select_related("manager", "territory", "customer_class").order_by("customer_code")
    for count, customer in enumerate(rows.iterator(chunk_size=2000), start=1):
        for col, value in enumerate(customer_row(customer)):
            if value is None or value == "":
                continue
            if hasattr(value, "isoformat"):
                sheet.write_datetime(count, col, value, date_format)
            elif isinstance(value, str):
                # Codes and phones stay text so Excel does not turn them into numbers.
                sheet.write_string(count, col, value, text_format)
            else:
                sheet.write_number(count, col, value)
    workbook.close()
    return count
