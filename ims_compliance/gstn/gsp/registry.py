"""Finds the GSP profiles: every module of this package with a `PROFILE` is one."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ims_compliance.gstn.gsp.base import GspProfile

_NOT_PROFILES = {"base", "registry"}


@cache
def profiles() -> dict[str, GspProfile]:
	"""name -> profile, in module order; a new module in this package is picked up as is."""
	package = importlib.import_module("ims_compliance.gstn.gsp")
	found: dict[str, GspProfile] = {}
	for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
		if module.name in _NOT_PROFILES or module.name.startswith("_"):
			continue
		profile = getattr(importlib.import_module(f"{package.__name__}.{module.name}"), "PROFILE", None)
		if isinstance(profile, GspProfile):
			if profile.name in found:
				raise ValueError(f"two GSP profiles are named {profile.name!r}")
			found[profile.name] = profile
	return found


def get_profile(name: str | None) -> GspProfile:
	"""The profile by name or label ("" or None: GSTN's plain client id / secret headers)."""
	key = (name or "plain").strip()
	for profile in profiles().values():
		if key in (profile.name, profile.label):
			return profile
	raise ValueError(f"unknown GSP profile {name!r}; known: {', '.join(profiles())}")


def profile_options() -> list[str]:
	"""Labels for IMS Settings' GSP Profile select, in the registry's order."""
	return [p.label for p in profiles().values()]
