"""Build real spreadsheet files for import tests."""

import csv

import openpyxl

HEADER = ["客户编码", "客户名称", "许可证号", "负责人", "联系电话", "经营地址", "经度", "纬度", "坐标系", "业态", "市场类型",
          "经营规模", "档位", "客户分类", "订货日", "营业时间", "客户经理", "片区", "户主生日", "许可证有效期至", "状态"]


def good_row(n: int, **overrides) -> dict:
    row = {
        "客户编码": f"320322{n:06d}", "客户名称": f"惠民食杂店{n}", "许可证号": f"3203221{n:07d}", "负责人": "张伟",
        "联系电话": f"139{n:08d}", "经营地址": f"沛县汉源大道{n}号", "经度": 116.9372, "纬度": 34.7216,
        "坐标系": "WGS84", "业态": "食杂店", "市场类型": "城网", "经营规模": "中", "档位": 12, "客户分类": "普通客户",
        "订货日": "周三", "营业时间": "07:00-22:00", "客户经理": "E0001", "片区": "汉城片区",
        "户主生日": "1975-05-04", "许可证有效期至": "2028/6/30", "状态": "正常",
    }
    row.update(overrides)
    return row


def write_xlsx(path, rows, header=HEADER, title=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h) for h in header] if isinstance(row, dict) else row)
    workbook.save(path)
    return path


def write_csv(path, rows, header=HEADER, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
    return path


def write_xls(path, rows, header=HEADER):
    """A legacy Excel 97–2003 .xls, as older provincial systems export."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("客户")
    for col, name in enumerate(header):
        sheet.write(0, col, name)
    for r, row in enumerate(rows, start=1):
        for col, name in enumerate(header):
            value = row.get(name)
            if value is not None:
                sheet.write(r, col, value)
    book.save(str(path))
    return path
