"""CSV cells a spreadsheet will not run: the one rule for every CSV Flexdesk writes (exports, payout files).

A cell that starts with one of FORMULA_START is a formula to Excel, LibreOffice and Google Sheets ("CSV
injection", OWASP). Text cells get a leading apostrophe, which the spreadsheet shows as text; numbers are
written as numbers (a negative amount is not a formula).
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str | None) -> bool:
    return bool(text) and str(text).startswith(FORMULA_START)


def spreadsheet_text(value: object) -> str:
    """The value as a CSV text cell a spreadsheet shows as it is (a formula-like text gets a leading ')."""
    text = "" if value is None else str(value)
    return "'" + text if looks_like_formula(text) else text
