# Formats not listed here are Django's (django/conf/locale/zh_Hans/formats.py).
MONTH_DAY_FORMAT = "n月j日"  # 12月10日, 1月5日
