"""Write a realistic N-row customer register as xlsx (the import contract's layout), quickly."""

import random
import sys

import xlsxwriter

HEADER = ["客户编码", "客户名称", "许可证号", "负责人", "联系电话", "经营地址", "经度", "纬度", "坐标系", "业态", "市场类型",
          "经营规模", "档位", "客户分类", "订货日", "营业时间", "客户经理", "片区", "户主生日", "许可证有效期至", "状态"]
FORMATS = ["食杂店"] * 11 + ["便利店"] * 3 + ["超市"] * 2 + ["烟酒店"] * 3 + ["娱乐服务类", "其他"]
STREETS = ["汉源大道", "汤沐路", "沛公路", "东风路", "建设路", "汉兴路", "千秋路", "龙固镇中心街", "杨屯镇商业街"]
DAYS = ["周一", "周二", "周三", "周四", "周五", "周六"]
CLASSES = ["核心客户", "重点客户", "普通客户", "培育客户"]


def write_customer_file(path: str, rows: int, managers: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for n in range(1, rows + 1):
        lat = 34.72 + rng.uniform(-0.2, 0.2)
        lon = 116.94 + rng.uniform(-0.2, 0.2)
        sheet.write_row(n, 0, [
            f"3203{n:08d}", f"{rng.choice('王李张刘陈杨')}记{rng.choice(FORMATS)}{n}", f"3203{n * 7919 % 10**10:010d}",
            rng.choice("王李张刘陈杨") + rng.choice("伟芳娜敏静丽强"), f"1{rng.choice('3589')}{n:09d}",
            f"沛县{rng.choice(STREETS)}{n % 400 + 1}号", round(lon, 6), round(lat, 6), "WGS84", rng.choice(FORMATS),
            rng.choice(["城网", "农网"]), rng.choice("大中小"), rng.randint(1, 30), rng.choice(CLASSES),
            rng.choice(DAYS), "07:00-22:00", f"manager{(n % managers) + 1}", "",
            f"19{rng.randint(55, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "2028/6/30", "正常",
        ])
    workbook.close()


if __name__ == "__main__":
    write_customer_file(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 100)
