"""Contract and NDA text: {{ placeholder }} substitution on a fixed list of names.

Template text is never handed to Django's template engine: a manager-edited template
must not be able to run tags, call methods or read data beyond the placeholders below.
Values are inserted as plain text; pages escape them when they show the document.
"""

import re

from core.money import format_money

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# Anything written like a variable, e.g. {{ settings.SECRET_KEY }} or {{ x|safe }}: flagged when not a placeholder.
ANY_VARIABLE_RE = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)

PAYMENT_TERMS = (
    "The Freelancer is paid every two weeks for the hours approved in that period, at the hourly rate "
    "in force on each day worked, in the currency of this agreement."
)

PLACEHOLDERS: dict[str, str] = {
    "program_name": "The program, e.g. 'Demo Support'",
    "freelancer_legal_name": "The freelancer's full legal name",
    "freelancer_email": "The freelancer's e-mail address",
    "freelancer_country": "The freelancer's country code",
    "role": "The role, e.g. 'Tier-1 support agent'",
    "start_date": "First day of the contract",
    "end_date": "Last day, or 'open-ended'",
    "term": "'open-ended' or 'fixed term ending on …'",
    "hourly_rate": "Starting hourly rate with currency, e.g. '18.00 USD'",
    "currency": "Currency code",
    "hours_per_week": "Expected hours per week",
    "weekly_hour_cap": "Most hours per week",
    "performance_expectations": "Performance expectations written on the contract",
    "payment_terms": "Standard payment terms (every two weeks for approved hours)",
    "contract_reference": "Contract number, e.g. 'C-000042'",
    "issue_date": "Date the document was issued",
}

DEFAULT_PERFORMANCE_EXPECTATIONS = (
    "- QA score of at least 85 on reviewed tickets\n"
    "- First response within 1 hour during scheduled shifts\n"
    "- At least the expected hours per week, never more than the weekly cap without approval"
)

DEFAULT_CONTRACT_BODY = """Independent contractor agreement — {{ program_name }}

Reference: {{ contract_reference }} · issued {{ issue_date }}

1. Parties
This agreement is between the operator of the {{ program_name }} support program ("the Company") and \
{{ freelancer_legal_name }} ({{ freelancer_email }}, {{ freelancer_country }}) ("the Freelancer").

2. Role and term
The Freelancer works as {{ role }} from {{ start_date }}. Term: {{ term }}. The Freelancer is an independent \
contractor, not an employee, and chooses how to perform the work within the program's schedule and quality standards.

3. Hours
Expected hours: {{ hours_per_week }} per week. The Freelancer will not work more than {{ weekly_hour_cap }} hours \
in a week: tickets stop being assigned at the cap, and time above it needs the Company's approval.

4. Rate
{{ hourly_rate }} per approved hour. The rate changes only through a written rate change with an effective date.

5. Payment terms
{{ payment_terms }}

6. Performance expectations
{{ performance_expectations }}

7. Confidentiality
The Freelancer keeps confidential all customer data, tickets, credentials and internal information seen while \
working in the program, during the agreement and after it ends; uses them only to perform the work; never copies \
them to personal devices or accounts; and returns or deletes them when the agreement ends. Credentials are used \
only through the Company's vault and never shared.

8. Ending the agreement
Either party may end this agreement in writing. On the end date all tool access is revoked and the final approved \
hours are paid in the next payout.
"""

DEFAULT_NDA_BODY = """Non-disclosure agreement — {{ program_name }}

Reference: {{ contract_reference }} · issued {{ issue_date }}

{{ freelancer_legal_name }} ("the Recipient") will receive confidential information while working in the \
{{ program_name }} program: customer personal data, ticket contents, product plans, internal processes and access \
credentials.

1. The Recipient uses confidential information only to perform support work in the program.
2. The Recipient does not disclose it to anyone, copy it outside the Company's tools, or keep it after the \
engagement ends.
3. Customer personal data is handled under the applicable data-protection law and the Company's instructions.
4. These obligations start on {{ start_date }} and survive the end of the engagement for five years, and for \
personal data and credentials without time limit.
"""


def placeholders_in(text: str) -> set[str]:
    return set(ANY_VARIABLE_RE.findall(text))


def unknown_placeholders(text: str) -> set[str]:
    return placeholders_in(text) - set(PLACEHOLDERS)


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace each {{ name }} by its value; unknown names are left as they were written."""
    return PLACEHOLDER_RE.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def contract_placeholder_values(contract, *, issue_date) -> dict[str, str]:
    freelancer = contract.freelancer
    end = contract.end_date.isoformat() if contract.end_date else "open-ended"
    return {
        "program_name": contract.program.name,
        "freelancer_legal_name": freelancer.legal_name,
        "freelancer_email": freelancer.user.email,
        "freelancer_country": freelancer.country or "—",
        "role": contract.role,
        "start_date": contract.start_date.isoformat(),
        "end_date": end,
        "term": "open-ended" if contract.end_date is None else f"fixed term ending on {end}",
        "hourly_rate": format_money(contract.hourly_rate, contract.currency),
        "currency": contract.currency,
        "hours_per_week": f"{contract.hours_per_week.normalize():f}",
        "weekly_hour_cap": f"{contract.weekly_hour_cap.normalize():f}",
        "performance_expectations": contract.performance_expectations.strip()
        or DEFAULT_PERFORMANCE_EXPECTATIONS,
        "payment_terms": PAYMENT_TERMS,
        "contract_reference": f"C-{contract.pk:06d}",
        "issue_date": issue_date.isoformat(),
    }
