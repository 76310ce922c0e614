"""FieldCRM's own locale formats (settings.FORMAT_MODULE_PATH = ["fieldcrm.formats"]), over Django's: only
what reads wrong there. A short date without the year reads "12月10日" / "Dec 10" (Django's own
MONTH_DAY_FORMAT pads the month in Chinese, "01月5日", and spells it out in English, "December 10")."""
