# Indonesian display formats (Django date-format syntax): full month names, the time with a dot (PUEBI).
DATE_FORMAT = "j F Y"  # 27 November 2026
DATETIME_FORMAT = "j F Y H.i"  # 27 November 2026 14.30
TIME_FORMAT = "H.i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
