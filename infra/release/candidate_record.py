"""The candidate record a tuning run writes (`candidate.json`, pinned shape version 1), read strictly.

It names the model artifacts, the serving image, the template digest the run executed, the dataset and prompt
it was tuned on, and the evaluation report with its digest and metrics; `mlops release cut` turns it into a
release (see infra.release.cut and pipelines.lib.candidate).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from contracts.errors import UserInputError
from infra.config.loader import model_problems
from infra.release.validators import Digest, ImageRef, Name, Text

Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class RecordPart(BaseModel):
    """Unknown keys are errors; JSON types as JSON has them (a timestamp is text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetRef(RecordPart):
    uri: Text
    digest: Digest


class CandidateEvaluation(RecordPart):
    report: Text
    """`gs://...`, `file:///...`, or a path relative to the record's directory."""
    report_digest: Digest
    metrics: dict[str, Fraction] = Field(min_length=1)


class PromptRef(RecordPart):
    template: Text
    digest: Digest


class CandidateRecord(RecordPart):
    """The candidate record (pinned shape, version 1)."""

    version: Literal[1]
    model: Name
    artifact_uri: Text
    serving_image: ImageRef
    tuning_run: Text
    pipeline_digest: Digest
    dataset: DatasetRef
    evaluation: CandidateEvaluation
    prompt: PromptRef
    created: AwareDatetime


def load_candidate(path: Path) -> CandidateRecord:
    """Read and validate a candidate record; every problem is reported at once with its key path."""
    if not path.is_file():
        raise UserInputError.single(str(path), "", "candidate record not found", summary="missing candidate record")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UserInputError.single(
            str(path), "", f"not JSON ({exc}); expected the candidate.json a tuning run writes",
            summary="invalid candidate record",
        ) from None
    if not isinstance(document, dict):
        raise UserInputError.single(
            str(path), "", f"expected a JSON object, found {type(document).__name__}",
            summary="invalid candidate record",
        )
    try:
        return CandidateRecord.model_validate(document)
    except ValidationError as exc:
        problems = model_problems(exc, document, str(path), CandidateRecord)
        raise UserInputError(problems, summary="invalid candidate record") from None


def record_summary(record: CandidateRecord) -> dict[str, Any]:
    """What the release record shows of the candidate: data, prompt, run and creation time."""
    return {
        "tuning_run": record.tuning_run,
        "dataset": record.dataset.model_dump(),
        "prompt": record.prompt.model_dump(),
        "created": record.created.isoformat(),
    }
