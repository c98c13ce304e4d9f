"""Fault injection for the sandbox, reproducible from a seed.

A test or a demo sets a `FaultPlan` for a run; each API request then draws its fate from one
seeded random stream in arrival order, so a sequential client sees the same faults every run.
Supplier controls (/sandbox/...) are never faulted: they are the test's own hands.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields

NONE, ERROR_500, ERROR_503, TIMEOUT, DROP = "none", "500", "503", "timeout", "drop"


@dataclass(frozen=True)
class FaultPlan:
	seed: int = 0
	latency: float = 0.0  # seconds added to every API answer
	error_rate: float = 0.0  # share of answers replaced by HTTP 500/503
	fail_first: int = 0  # the first N API requests answer 503 (deterministic retries)
	timeout_rate: float = 0.0  # share of requests that hang `timeout_seconds` before answering
	timeout_seconds: float = 5.0
	drop_rate: float = 0.0  # share of requests whose connection is closed without an answer
	expire_sessions_after: int | None = None  # tokens expire after this many authenticated calls
	stuck_requests: bool = False  # SAVE/RESET/GEN2B requests stay IP forever
	process_delay: float = 0.0  # seconds before a request can leave IP (it always answers IP once)
	failed_requests: bool = False  # SAVE/RESET/GEN2B requests end ER (GSTN could not process them)
	lost_error_reports: bool = False  # SAVE/RESET answers PE with err_cnt but no error_report

	@classmethod
	def from_dict(cls, data: dict) -> FaultPlan:
		known = {f.name for f in fields(cls)}
		unknown = set(data) - known
		if unknown:
			raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
		return cls(**data)

	def as_dict(self) -> dict:
		return asdict(self)


class FaultInjector:
	def __init__(self, plan: FaultPlan | None = None):
		self._lock = threading.Lock()
		self.set(plan or FaultPlan())

	def set(self, plan: FaultPlan) -> None:
		with self._lock:
			self.plan = plan
			self._rng = random.Random(plan.seed)
			self._served = 0
			self.counts: dict[str, int] = {}  # faults served so far under this plan, by kind

	def draw(self) -> str:
		"""The fault for the next API request (one draw per request, in arrival order)."""
		fault = self._draw()
		if fault != NONE:
			with self._lock:
				self.counts[fault] = self.counts.get(fault, 0) + 1
		return fault

	def _draw(self) -> str:
		with self._lock:
			plan = self.plan
			self._served += 1
			if self._served <= plan.fail_first:
				return ERROR_503
			roll = self._rng.random()
			for fault, rate in ((DROP, plan.drop_rate), (TIMEOUT, plan.timeout_rate)):
				if roll < rate:
					return fault
				roll -= rate
			if roll < plan.error_rate:
				return self._rng.choice((ERROR_500, ERROR_503))
			return NONE
