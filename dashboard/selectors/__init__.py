"""Read-only reports over the other apps. Public entry points:

- program_dashboard(program=, period=) — success metrics against targets, charts and their tables
- team_table(program=, period=, sort=, descending=), team_member_get(program=, freelancer_id=),
  freelancer_weeks(program=, freelancer=, period=)
- cost_report(program=, period=), recruiting_funnel(program=)
- manager_home(user=), portal_home(freelancer=)
- daily.day_facts(program=, first_day=, last_day=, parts=) — additive facts per program-local day: the daily
  rollups (dashboard.models.DailyRollup) of finished days and of today up to its refresh, live queries for the
  rest (which days: daily.day_split, the one rule); medians.period_medians and work.period_pay sum the
  duration and hour rollups in SQL (period_pay prices the pay lines there too); snapshot.
  snapshot_get reads the open tickets and shifts. Written by dashboard.services.dashboard_rollups_refresh,
  dashboard_today_refresh and dashboard_snapshot_refresh (the five-minute job; docs/adr/0022, 0028)
"""
