"""What every route's documentation shares: the JSON error body for its 4xx answers."""
from ..schemas import ErrorBody


def errors(*codes: int) -> dict:
    return {code: {"model": ErrorBody} for code in codes}
