"""iCalendar (RFC 5545) documents, written with the icalendar library."""
