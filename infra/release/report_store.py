"""Read an evaluation report from Cloud Storage, so the evaluation gate verifies a `gs://` report too.

Uses the google-cloud-storage client with the caller's Application Default Credentials; like every
client of the library it honours `STORAGE_EMULATOR_HOST` (a local server speaking the JSON API). Any failure
to read (no credentials, no such object, no permission, unreachable) is a `ReportUnreadable` with the reason,
which the gate reports as a failure: a report that cannot be read cannot back a release.
"""

from __future__ import annotations

READ_TIMEOUT_SECONDS = 30.0


class ReportUnreadable(RuntimeError):
    """The report could not be fetched; the message says why."""


def read_gcs(uri: str, timeout: float = READ_TIMEOUT_SECONDS) -> bytes:
    """The bytes of the object `gs://<bucket>/<name>`."""
    bucket, _, name = uri.removeprefix("gs://").partition("/")
    if not bucket or not name:
        raise ReportUnreadable(f"{uri!r} names no object; expected gs://<bucket>/<path>")
    try:
        from google.cloud.storage import Client

        client = Client()
        return bytes(client.bucket(bucket).blob(name).download_as_bytes(timeout=timeout))
    except Exception as exc:  # credentials, HTTP and transport errors alike fail the gate with their reason
        reason = str(exc).split("\n", 1)[0]
        raise ReportUnreadable(f"{type(exc).__name__}: {reason}") from exc
