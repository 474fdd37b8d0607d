"""Value rules of a release manifest: each field's format, with a message that says what is expected.

Every rule is a function `(value) -> message | None` (usable on its own, e.g. for a `--release` flag) and an
annotated type that applies it inside the pydantic models of `infra.release.schema`.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
from pathlib import PurePosixPath
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field

from contracts.digests import DIGEST
from infra.config import rules
from infra.config.model import rule_validator

RELEASE_ID = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
GCS_URI = re.compile(r"^gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/[^\s]*)?$")
# <registry host[:port]>/<path>@sha256:<hex>, lowercase path components as the OCI distribution spec allows.
IMAGE_NAME = re.compile(r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$")
PACKAGE = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,?-]+$")


def digest_rule(value: str) -> str | None:
    if DIGEST.fullmatch(value):
        return None
    return f"{value!r} is not a sha256 digest: expected 'sha256:' followed by 64 lowercase hex characters"


def release_id_rule(value: str) -> str | None:
    if RELEASE_ID.fullmatch(value):
        return None
    return (
        f"release id {value!r} is invalid: use 3-40 characters of lowercase letters, digits and hyphens, "
        "starting with a letter (e.g. 'r2026-11-26-1'); it becomes a label value and part of resource names"
    )


def image_rule(value: str) -> str | None:
    """A serving image must be pinned by digest: `<registry>/<path>@sha256:<hex>`, no tag."""
    name, at, digest = value.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        tag = last.split(":", 1)[1]
        return (
            f"serving image {value!r} uses the tag ':{tag}'; tags move, so pin the image by digest: "
            f"'{name.rsplit(':', 1)[0]}@sha256:<64 hex>' (find it with `gcloud artifacts docker images describe`)"
        )
    if not at:
        return f"serving image {value!r} has no digest; pin it as '{name}@sha256:<64 hex>'"
    if not IMAGE_NAME.fullmatch(name) or not DIGEST.fullmatch(digest):
        return (
            f"serving image {value!r} is not '<registry>/<path>@sha256:<64 hex>' "
            "(e.g. 'europe-docker.pkg.dev/acme/serving/assistant@sha256:...')"
        )
    return None


def gcs_uri_rule(value: str) -> str | None:
    if GCS_URI.fullmatch(value):
        return None
    return f"{value!r} is not a Cloud Storage URI: expected 'gs://<bucket>/<path>'"


def compiled_path_rule(value: str) -> str | None:
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value or path.suffix not in (".yaml", ".yml"):
        return (
            f"{value!r} is not a compiled pipeline path: expected a relative path to the compiled YAML inside "
            "the project, e.g. 'build/pipelines/tuning.yaml'"
        )
    return None


def report_rule(value: str) -> str | None:
    if value.startswith("gs://"):
        return gcs_uri_rule(value)
    expected = (
        f"{value!r} is not a report reference: expected 'gs://<bucket>/<path>', 'file:///<absolute path>' or a "
        "path relative to the project"
    )
    if value.startswith("file://"):
        return None if value.startswith("file:///") and ".." not in PurePosixPath(value[7:]).parts else expected
    path = PurePosixPath(value)
    if not value or "://" in value or path.is_absolute() or ".." in path.parts:
        return expected
    return None


def package_rule(value: str) -> str | None:
    if PACKAGE.fullmatch(value):
        return None
    return (
        f"package {value!r} is invalid: use the compiled pipeline's name (pipelineInfo.name), lowercase "
        "letters, digits and hyphens, e.g. 'genai-tuning'"
    )


def cron_rule(value: str) -> str | None:
    if value.strip().upper().startswith(("TZ=", "CRON_TZ=")):
        return f"cron {value!r} carries a time zone; move it to `time_zone` and keep the 5 cron fields here"
    fields = value.split()
    if len(fields) != 5 or not all(CRON_FIELD.fullmatch(f) for f in fields):
        return (
            f"cron {value!r} is invalid: expected 5 fields 'minute hour day-of-month month day-of-week', "
            "e.g. '0 3 * * 1' (03:00 every Monday)"
        )
    return None


@functools.cache
def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())  # walks the tz database on every call: read it once


def time_zone_rule(value: str) -> str | None:
    if value in _time_zones():
        return None
    hint = difflib.get_close_matches(value, sorted(_time_zones()), n=1)
    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
    return f"time zone {value!r} is not an IANA time zone name (e.g. 'UTC', 'Europe/Amsterdam'){suggestion}"


PIPELINE_NAMES = ("tuning", "evaluation")
"""The pipelines the project ships (`pipelines.catalog.PIPELINES`, pinned equal by a test; importing the
catalog here would load kfp into every synth)."""


def pipeline_name_rule(value: str) -> str | None:
    if value in PIPELINE_NAMES:
        return None
    hint = difflib.get_close_matches(value, PIPELINE_NAMES, n=1)
    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
    return f"{value!r} is not a pipeline of this project{suggestion} (pipelines: {', '.join(PIPELINE_NAMES)})"


def _timestamp_text(value: Any) -> Any:
    """Timestamps are written as text (`'2026-11-26T03:00:00Z'`); a number is not read as epoch seconds."""
    if isinstance(value, str | datetime.datetime):
        return value
    raise ValueError(
        f"expected an ISO 8601 timestamp with a time zone, e.g. '2026-11-26T03:00:00Z'; found {value!r}"
    )


def _non_blank(value: str) -> str | None:
    return None if value.strip() else "must not be empty or blank"


Digest = Annotated[str, rule_validator(digest_rule)]
ReleaseId = Annotated[str, rule_validator(release_id_rule)]
ImageRef = Annotated[str, rule_validator(image_rule)]
GcsUri = Annotated[str, rule_validator(gcs_uri_rule)]
CompiledPath = Annotated[str, rule_validator(compiled_path_rule)]
ReportRef = Annotated[str, rule_validator(report_rule)]
Cron = Annotated[str, rule_validator(cron_rule)]
TimeZone = Annotated[str, rule_validator(time_zone_rule)]
Name = Annotated[str, rule_validator(lambda v: rules.resource_segment(v, "name"))]
PipelineName = Annotated[str, rule_validator(pipeline_name_rule)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp_text), Field(strict=False)]
PackageName = Annotated[str, rule_validator(package_rule)]
EnvName = Annotated[str, Field(pattern=rules.ENV_NAME.pattern)]
Email = Annotated[str, rule_validator(rules.email)]
Text = Annotated[str, rule_validator(_non_blank)]
Commit = Annotated[str, Field(pattern=COMMIT.pattern)]
Percent = Annotated[int, Field(ge=0, le=100)]
ParameterValue = str | bool | int | float | list[Any] | dict[str, Any]


