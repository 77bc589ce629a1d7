"""The business metrics as a plain-text table, for `tailtribe metrics`."""

from __future__ import annotations

from tailtribe.domain.services.admin.metrics import Report


def _euros(cents: int | None) -> str:
    return "-" if cents is None else f"EUR {cents / 100:,.2f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _plain(value: object) -> str:
    return "-" if value is None else str(value)


def metrics_table(r: Report) -> str:
    t = r.totals
    rows = [
        ("registrations: owners", _plain(t.owners)),
        ("registrations: caregivers", _plain(t.caregivers)),
        ("caregiver approval rate", _share(r.approval_rate)),
        ("bookings created", _plain(t.bookings_created)),
        ("bookings accepted", _plain(t.bookings_accepted)),
        ("bookings completed", _plain(t.bookings_completed)),
        ("bookings cancelled", _plain(t.bookings_cancelled)),
        ("request-to-booking conversion", _share(r.conversion)),
        ("gross booking value", _euros(t.gross_booking_value_cents)),
        ("commission earned", _euros(t.commission_earned_cents)),
        ("payouts sent", _euros(t.payouts_sent_cents)),
        ("refunds", _euros(t.refunds_cents)),
        ("average booking value", _euros(r.average_booking_value_cents)),
        ("median hours to first booking", _plain(r.median_hours_to_first_booking)),
        ("average rating", _plain(t.average_rating) + f" ({t.reviews} reviews)"),
        ("payment failure rate", _share(r.payment_failure_rate)),
        ("meet-and-greets requested", _plain(t.meet_and_greets)),
        ("meet-and-greets followed by a booking", _plain(t.meet_and_greets_booked)),
        ("meet-and-greet conversion", _share(r.meet_and_greet_conversion)),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"TailTribe metrics, {r.first} to {r.last} (Brussels days)", ""]
    lines += [f"{name:<{width}}  {value}" for name, value in rows]
    lines += ["", f"{'day':<10}  {'registrations':>13}  {'bookings':>8}  {'booking value':>16}"]
    lines += [
        f"{d.day.isoformat():<10}  {d.registrations:>13}  {d.bookings_created:>8}  "
        f"{_euros(d.gross_booking_value_cents):>16}"
        for d in r.daily
    ]
    return "\n".join(lines)
