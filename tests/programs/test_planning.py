"""The worksheet's arithmetic: timeline, capacity, budget. Pure functions, exact Decimals."""

import datetime
from decimal import Decimal

import pytest

from programs.planning import (
    budget_plan,
    capacity_plan,
    ceil_ratio,
    monthly_freelancer_cost,
    owner_hourly_value,
    ramp_weeks_to_full,
    timeline_plan,
)

D = datetime.date


# --- timeline --------------------------------------------------------------------------------------------


def test_timeline_works_back_from_queue_ready_with_each_phase():
    # given a queue-ready date on Friday 1 March 2030 and phases of 10/5/7/7/14 days
    timeline = timeline_plan(
        queue_ready_date=D(2030, 3, 1),
        today=D(2030, 1, 1),
        training_days=10,
        offer_days=5,
        interview_days=7,
        trial_days=7,
        posting_days=14,
    )
    # then each milestone is the previous one minus its phase
    dates = {m.key: m.date for m in timeline.milestones}
    assert dates == {
        "queue_ready": D(2030, 3, 1),
        "training_start": D(2030, 2, 19),
        "offers": D(2030, 2, 14),
        "interviews": D(2030, 2, 7),
        "trial_tasks": D(2030, 1, 31),
        "close_applications": D(2030, 1, 31),
        "post_job": D(2030, 1, 17),
    }
    assert [m.key for m in timeline.milestones] == [
        "post_job",
        "close_applications",
        "trial_tasks",
        "interviews",
        "offers",
        "training_start",
        "queue_ready",
    ]
    assert timeline.lead_days == 43
    assert timeline.cannot_fit is False
    assert timeline.past_milestones == []


def test_training_start_is_queue_ready_minus_training_days():
    timeline = timeline_plan(queue_ready_date=D(2030, 6, 30), today=D(2030, 1, 1), training_days=21)
    assert {m.key: m.date for m in timeline.milestones}["training_start"] == D(2030, 6, 9)


def test_plan_that_needs_to_start_before_today_cannot_fit():
    # given a queue-ready date 20 days away but 43 days of lead time
    today = D(2030, 3, 1)
    timeline = timeline_plan(
        queue_ready_date=today + datetime.timedelta(days=20),
        today=today,
        training_days=10,
        offer_days=5,
        interview_days=7,
        trial_days=7,
        posting_days=14,
    )
    # then it is flagged, says by how much, and offers the earliest date that fits
    assert timeline.cannot_fit is True
    assert timeline.days_short == 23
    assert timeline.earliest_queue_ready == today + datetime.timedelta(days=43)
    assert timeline.start_date == today - datetime.timedelta(days=23)
    past = {m.key for m in timeline.past_milestones}
    assert past == {
        "post_job",
        "close_applications",
        "trial_tasks",
        "interviews",
    }  # interviews began 2 days ago
    assert timeline.queue_ready_passed is False


def test_plan_fits_exactly_when_the_job_is_posted_today():
    today = D(2030, 3, 1)
    timeline = timeline_plan(
        queue_ready_date=today + datetime.timedelta(days=43),
        today=today,
        training_days=10,
        offer_days=5,
        interview_days=7,
        trial_days=7,
        posting_days=14,
    )
    assert timeline.start_date == today
    assert timeline.cannot_fit is False
    assert timeline.days_short == 0
    assert timeline.past_milestones == []


def test_queue_ready_in_the_past_is_flagged_as_passed_not_as_cannot_fit():
    today = D(2030, 3, 1)
    timeline = timeline_plan(queue_ready_date=D(2030, 2, 1), today=today, training_days=10)
    assert timeline.queue_ready_passed is True
    assert timeline.cannot_fit is False
    assert all(m.is_past for m in timeline.milestones)


def test_ramp_adds_a_full_capacity_milestone_after_queue_ready():
    timeline = timeline_plan(
        queue_ready_date=D(2030, 3, 1),
        today=D(2030, 1, 1),
        training_days=10,
        ramp_percents=[50, 75, 100],
        starts_needed=17,
        productive_needed=10,
    )
    milestones = {m.key: m for m in timeline.milestones}
    # 50 % in week 1, 75 % in week 2, 100 % from week 3 = two weeks after queue-ready
    assert timeline.full_capacity_date == D(2030, 3, 15)
    assert milestones["full_capacity"].date == D(2030, 3, 15)
    assert milestones["offers"].note == "17 start(s) for 10 productive"


def test_no_ramp_means_full_capacity_at_queue_ready():
    timeline = timeline_plan(queue_ready_date=D(2030, 3, 1), today=D(2030, 1, 1), training_days=10)
    assert timeline.full_capacity_date == D(2030, 3, 1)
    assert "full_capacity" not in {m.key for m in timeline.milestones}


@pytest.mark.parametrize(
    "ramp,weeks", [([], 0), ([100], 0), ([50, 75, 100], 2), ([50, 100, 100], 1), ([40, 80], 2)]
)
def test_weeks_to_full_productivity(ramp, weeks):
    assert ramp_weeks_to_full(ramp) == weeks


# --- capacity --------------------------------------------------------------------------------------------


def test_capacity_hours_headcount_and_starts():
    # 1,200 tickets × 7.5 min / 60 / 75 % = 200 h; at 20 h each 10 freelancers; at 60 % yield 17 starts
    plan = capacity_plan(
        tickets_per_week=1200,
        average_handle_minutes=Decimal("7.5"),
        target_occupancy_percent=Decimal("75"),
        hours_per_freelancer=Decimal("20"),
        training_yield_percent=Decimal("60"),
    )
    assert plan.hours_needed_per_week == Decimal("200.00")
    assert plan.headcount == 10
    assert plan.starts_needed == 17


def test_headcount_rounds_up_and_hours_round_half_up_to_cents():
    # 1,000 × 8 / 60 / 0.75 = 177.777… h → 177.78; / 20 h = 8.89 → 9 freelancers
    plan = capacity_plan(
        tickets_per_week=1000,
        average_handle_minutes=Decimal("8"),
        target_occupancy_percent=Decimal("75"),
        hours_per_freelancer=Decimal("20"),
    )
    assert plan.hours_needed_per_week == Decimal("177.78")
    assert plan.headcount == 9
    assert plan.starts_needed == 9  # yield 100 %


def test_exact_fit_does_not_add_a_freelancer():
    # 900 × 10 / 60 / 0.75 = 200 h exactly → 10 at 20 h; 6 productive at 60 % = 10 starts exactly
    plan = capacity_plan(
        tickets_per_week=900,
        average_handle_minutes=Decimal("10"),
        target_occupancy_percent=Decimal("75"),
        hours_per_freelancer=Decimal("20"),
        training_yield_percent=Decimal("100"),
    )
    assert plan.headcount == 10
    assert ceil_ratio(Decimal(6) * 100, Decimal("60")) == 10
    assert ceil_ratio(Decimal(10) * 100, Decimal("60")) == 17


def test_ramp_reduces_early_capacity_week_by_week():
    plan = capacity_plan(
        tickets_per_week=1200,
        average_handle_minutes=Decimal("7.5"),
        target_occupancy_percent=Decimal("75"),
        hours_per_freelancer=Decimal("20"),
        ramp_percents=[50, 75, 100],
        queue_ready_date=D(2030, 3, 1),
    )
    assert [(w.week, w.starts_on, w.percent, w.hours) for w in plan.ramp] == [
        (1, D(2030, 3, 1), 50, Decimal("100.00")),
        (2, D(2030, 3, 8), 75, Decimal("150.00")),
        (3, D(2030, 3, 15), 100, Decimal("200.00")),
    ]
    assert plan.full_hours_per_week == Decimal("200")


def test_zero_volume_needs_nobody():
    plan = capacity_plan(
        tickets_per_week=0,
        average_handle_minutes=Decimal("8"),
        target_occupancy_percent=Decimal("75"),
        hours_per_freelancer=Decimal("20"),
    )
    assert (plan.hours_needed_per_week, plan.headcount, plan.starts_needed) == (Decimal("0.00"), 0, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tickets_per_week": -1},
        {"hours_per_freelancer": Decimal("0")},
        {"target_occupancy_percent": Decimal("0")},
        {"target_occupancy_percent": Decimal("101")},
        {"training_yield_percent": Decimal("0")},
    ],
)
def test_capacity_refuses_impossible_inputs(kwargs):
    args = {
        "tickets_per_week": 100,
        "average_handle_minutes": Decimal("8"),
        "target_occupancy_percent": Decimal("75"),
        "hours_per_freelancer": Decimal("20"),
    }
    args.update(kwargs)
    with pytest.raises(ValueError):
        capacity_plan(**args)


def test_capacity_refuses_floats():
    with pytest.raises(TypeError):
        capacity_plan(
            tickets_per_week=100,
            average_handle_minutes=8.0,
            target_occupancy_percent=Decimal("75"),
            hours_per_freelancer=Decimal("20"),
        )


# --- budget ----------------------------------------------------------------------------------------------


def test_owner_hourly_value_is_profit_over_hours_rounded_half_up():
    assert owner_hourly_value(yearly_profit=Decimal("50000"), yearly_hours_worked=2080) == Decimal("24.04")
    # 100 / 8 = 12.5 exactly; 1 / 8 = 0.125 → 0.13 (half-up, not banker's)
    assert owner_hourly_value(yearly_profit=Decimal("1"), yearly_hours_worked=8) == Decimal("0.13")


def test_monthly_cost_is_headcount_hours_weeks_rate_and_fee():
    # 8 × 20 h × 52/12 × 15.00 × 1.05 = 10,920.00
    assert monthly_freelancer_cost(
        headcount=8,
        hours_per_week=Decimal("20"),
        hourly_rate=Decimal("15.00"),
        platform_fee_percent=Decimal("5"),
    ) == Decimal("10920.00")
    # 3 × 16 h × 52/12 × 17.00 × 1.10 = 3,889.60
    assert monthly_freelancer_cost(
        headcount=3,
        hours_per_week=Decimal("16"),
        hourly_rate=Decimal("17.00"),
        platform_fee_percent=Decimal("10"),
    ) == Decimal("3889.60")
    # 1 × 10 h × 52/12 × 12.35 = 535.1666… → 535.17
    assert monthly_freelancer_cost(
        headcount=1, hours_per_week=Decimal("10"), hourly_rate=Decimal("12.35")
    ) == Decimal("535.17")


def test_budget_plan_compares_with_in_house_cost():
    plan = budget_plan(
        currency="USD",
        headcount=8,
        hours_per_week=Decimal("20"),
        hourly_rate=Decimal("15.00"),
        platform_fee_percent=Decimal("5"),
        inhouse_monthly_cost=Decimal("14500.00"),
        yearly_profit=Decimal("50000"),
        yearly_hours_worked=2080,
        monthly_budget=Decimal("10000"),
        tickets_per_week=1200,
    )
    assert plan.currency == "USD"
    assert plan.owner_hourly_value == Decimal("24.04")
    assert plan.monthly_hours == Decimal("693.33")
    assert plan.monthly_freelancer_cost == Decimal("10920.00")
    assert plan.monthly_platform_fee == Decimal("520.00")
    assert plan.monthly_difference == Decimal("3580.00")
    assert plan.saves_money is True
    assert plan.over_budget is True
    # 10,920 a month for 1,200 × 52/12 = 5,200 tickets → 2.10
    assert plan.cost_per_ticket == Decimal("2.10")


def test_budget_plan_shows_a_negative_difference_when_freelancers_cost_more():
    plan = budget_plan(
        currency="EUR",
        headcount=2,
        hours_per_week=Decimal("40"),
        hourly_rate=Decimal("30"),
        inhouse_monthly_cost=Decimal("5000"),
    )
    # 2 × 40 × 52/12 × 30 = 10,400.00
    assert plan.monthly_freelancer_cost == Decimal("10400.00")
    assert plan.monthly_difference == Decimal("-5400.00")
    assert plan.saves_money is False
    assert plan.owner_hourly_value is None
    assert plan.cost_per_ticket is None
