"""Apply Recommended's writes on a second connection in a test (outside tests they go there for
a background-sized request; `recommendations._writes_on_the_side`), every SideQueue it makes kept
for the test to look at."""

from contextlib import contextmanager
from unittest.mock import patch

from ims_compliance.services import recommendations, second_connection


@contextmanager
def recommendations_on_the_side(*, lock_wait: int | None = None):
	"""Yields the list of SideQueues made; `lock_wait`: their row-lock wait, in seconds."""
	made: list = []

	class Spy(second_connection.SideQueue):
		LOCK_WAIT = second_connection.SideQueue.LOCK_WAIT if lock_wait is None else lock_wait

		def __init__(self):
			super().__init__()
			made.append(self)

	with (
		patch.object(recommendations, "SideQueue", Spy),
		patch.object(recommendations, "_writes_on_the_side", lambda dry_run: not dry_run),
	):
		yield made
