# Formats not listed here are Django's (django/conf/locale/en/formats.py).
MONTH_DAY_FORMAT = "M j"  # Dec 10
