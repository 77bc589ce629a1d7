"""Demo data for the embedded mode, loaded through the same use cases as the API.

Idempotent: running `tailtribe demo` twice loads nothing twice.
"""

from __future__ import annotations

from tailtribe.config import Settings


async def load_demo_data(settings: Settings) -> str:
    """Load the demo data set; returns a one-line summary of what is there."""
    # The foundation has no accounts yet: the accounts issue seeds owners,
    # pets and approved caregivers here.
    return f"database ready at {settings.database_url}"
