"""The data export's series.json: each weekly series with its pattern and its bookings."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

from tailtribe.domain.model.exports import DataExport
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.series import BookingSeries, WeeklyPattern
from tailtribe.domain.services.privacy.export import AccountData
from tailtribe.entrypoints.export_archive import documents, write_archive
from tests.factories import booking_request, caregiver, pet, user

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_series_json_names_the_pattern_and_the_bookings() -> None:
    owner, carer = user("O", NOW), user("C", NOW)
    profile, rex = caregiver(carer, NOW), pet(owner, NOW)
    pattern = WeeklyPattern((2, 0), time(9, 30), 60, date(2027, 3, 8), count=2)
    periods = pattern.periods(Service.DOG_WALKING)
    series = BookingSeries.request(
        id=uuid4(),
        owner_id=owner.id,
        caregiver_id=profile.id,
        service=Service.DOG_WALKING,
        pet_ids=(rex.id,),
        pattern=pattern,
        first_start=periods[0][0],
        occurrences=2,
        now=NOW,
        message="Call me on 0470 12 34 56",
    )
    series.attach_setup("cus_1", "seti_1", "seti_1_secret_x")
    occurrences = []
    for start, _end in reversed(periods):
        booking = booking_request(owner.id, profile.id, (rex.id,), start, now=NOW)
        booking.series_id = series.id
        occurrences.append(booking)
    one_off = booking_request(owner.id, profile.id, (rex.id,), NOW + timedelta(days=3), now=NOW)
    data = AccountData(
        export=DataExport(uuid4(), owner.id, NOW),
        generated_at=NOW,
        user=owner,
        pets=[(rex, [])],
        caregiver=None,
        gallery=[],
        bookings_as_owner=[*occurrences, one_off],
        bookings_as_caregiver=[],
        payments={},
        conversations=[],
        reviews_written=[],
        reviews_received=[],
        photo_files={},
        series_as_owner=[series],
    )
    doc = documents(data)["series.json"]
    assert doc["as_caregiver"] == []
    [shown] = doc["as_owner"]
    assert shown["repeat"] == {
        "weekdays": ["wed", "mon"],
        "start_time": "09:30",
        "duration_minutes": 60,
        "first_date": "2027-03-08",
        "count": 2,
        "until": None,
    }
    assert shown["booking_ids"] == [str(b.id) for b in reversed(occurrences)]  # by start
    assert shown["status"] == "requested" and shown["message"] == series.message
    assert shown["pet_ids"] == [str(rex.id)]
    text = json.dumps(shown)
    assert "seti_1" not in text and "cus_1" not in text  # the provider's ids stay out

    # The caregiver's copy of the message keeps its contacts masked before acceptance.
    as_caregiver = dataclasses.replace(
        data, bookings_as_caregiver=occurrences, series_as_owner=[], series_as_caregiver=[series]
    )
    [theirs] = documents(as_caregiver)["series.json"]["as_caregiver"]
    assert "0470" not in theirs["message"] and len(theirs["booking_ids"]) == 2

    with zipfile.ZipFile(io.BytesIO(write_archive(data))) as archive:
        assert "series.json" in archive.namelist()
        assert "series.json" in archive.read("README.txt").decode()
