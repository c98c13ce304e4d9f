"""GSP profiles: how one GST Suvidha Provider is spoken to, declared in one small module each.

GSTN's own conversation (headers, OTP session, payload protection) is the same whatever the GSP;
what differs is declared here: the path shape in front of GSTN's paths, the API version of each
endpoint, the GSP's own authentication (a handshake and headers on every call), and how a FILEDET
part (`ul`, often a path without a host) is fetched. `registry.profiles()` discovers every module
of this package that defines `PROFILE`, so adding a GSP is one new file.
"""

from ims_compliance.gstn.gsp.base import DEFAULT_ENDPOINTS, FileRequest, GspContext, GspProfile
from ims_compliance.gstn.gsp.registry import get_profile, profile_options, profiles

__all__ = [
	"DEFAULT_ENDPOINTS",
	"FileRequest",
	"GspContext",
	"GspProfile",
	"get_profile",
	"profile_options",
	"profiles",
]
