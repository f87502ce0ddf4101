"""Microversions as nova and cinder negotiate them: the version a request asks for (`OpenStack-API-Version:
<service> X.Y`, the service's legacy header, or `latest`), checked against the range the service declares,
and answered in the same headers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders

from cloudgate.frontends.openstack.errors import OsError

Version = tuple[int, int]
_FORM = re.compile(r"^(\d{1,4})\.(\d{1,4})$")


@dataclass(frozen=True, slots=True)
class Microversions:
    """A service's microversion range and the headers that carry it."""

    service: str  # as named in OpenStack-API-Version ("compute", "volume")
    minimum: Version
    maximum: Version
    legacy_header: str  # X-OpenStack-Nova-API-Version, OpenStack-Volume-microversion

    @staticmethod
    def text(version: Version) -> str:
        return f"{version[0]}.{version[1]}"

    def requested(self, headers: Headers) -> Version:
        """The version a request asks for: the minimum when it names none; 400 or 406 for what is not served."""
        asked = None
        for part in headers.get("openstack-api-version", "").split(","):
            service, _, value = part.strip().partition(" ")
            if service.lower() == self.service:
                asked = value.strip()
        if asked is None:
            asked = headers.get(self.legacy_header)
        if asked is None:
            return self.minimum
        if asked.lower() == "latest":
            return self.maximum
        form = _FORM.match(asked)
        if form is None:
            raise OsError(
                400, f"API Version String {asked[:40]} is of invalid format. Must be of format MajorNum.MinorNum."
            )
        version = (int(form[1]), int(form[2]))
        if not self.minimum <= version <= self.maximum:
            raise OsError(406, f"Version {asked} is not supported by the API. Minimum is {self.text(self.minimum)} "
                               f"and maximum is {self.text(self.maximum)}.")  # fmt: skip
        return version

    def answer(self, headers: MutableHeaders, version: Version) -> None:
        """The negotiated version in the response's headers, as the services answer it."""
        text = self.text(version)
        headers["OpenStack-API-Version"] = f"{self.service} {text}"
        headers[self.legacy_header] = text
        headers["Vary"] = f"OpenStack-API-Version, {self.legacy_header}"
