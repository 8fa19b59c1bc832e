"""Read-only reports over the other apps. Public entry points:

- program_dashboard(program=, period=) — success metrics against targets, charts and their tables
- team_table(program=, period=, sort=, descending=), team_member_get(program=, freelancer_id=),
  freelancer_weeks(program=, freelancer=, period=)
- cost_report(program=, period=), recruiting_funnel(program=)
- manager_home(user=), portal_home(freelancer=)
"""
