"""The built-in GSTN IMS sandbox: our stand-in for GSTN in tests, benchmarks and demos.
See docs/sandbox.md for starting it, its OTP and seeding it."""

from ims_compliance.gstn.sandbox.config import SANDBOX_OTP, SandboxConfig
from ims_compliance.gstn.sandbox.faults import FaultPlan
from ims_compliance.gstn.sandbox.server import SandboxServer

__all__ = ["SANDBOX_OTP", "FaultPlan", "SandboxConfig", "SandboxServer"]
