"""VM instances do not enable interactive serial port access, which bypasses firewall rules."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import INSTANCE, INSTANCE_TEMPLATE
from policies.values import MISSING, is_unknown, lookup, undetermined

KEY = "serial-port-enable"
FIX = f'remove metadata["{KEY}"] (or set it to "false")'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    metadata = lookup(inputs, "metadata")
    if is_unknown(metadata):
        return [undetermined("metadata", FIX)]
    value = metadata.get(KEY, MISSING) if isinstance(metadata, dict) else MISSING
    if is_unknown(value):
        return [undetermined(f"metadata.{KEY}", FIX)]
    if value is not MISSING and str(value).strip().lower() in ("true", "1", "yes"):
        return [Finding(f"metadata.{KEY} is {value!r} (serial console reachable without the firewall); {FIX}")]
    return []


RULE = ResourceRule(
    id="compute-instance-no-serial-port",
    description="Compute Engine instances do not enable connecting to serial ports.",
    service="compute",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_35",
    references=("AVD-GCP-0032", "CIS GCP 4.5"),
    resource_types=frozenset({INSTANCE, INSTANCE_TEMPLATE}),
    check=check,
)
