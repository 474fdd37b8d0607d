"""Loading environments: the three real ones validate, and bad input names the file, key path and fix."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.errors import UserInputError
from infra.config.loader import deep_merge, load_environment
from infra.config.model import EnvironmentConfig
from infra.layout import Project
from tests.checkout import PROJECT, ROOT


def make_project(tmp_path: Path, stack: dict[str, Any], env: str = "dev") -> Path:
    """A copy of the project's Pulumi.yaml and shared defaults with one stack file of our own."""
    (tmp_path / "environments").mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "environments" / "defaults.yaml", tmp_path / "environments" / "defaults.yaml")
    document = {"config": {"genai-mlops:environment": stack}}
    (tmp_path / "environments" / f"Pulumi.{env}.yaml").write_text(yaml.safe_dump(document))
    return tmp_path


VALID = {"tier": "development", "project": {"id": "acme-genai-test"}}


def problems(tmp_path: Path, stack: dict[str, Any]) -> list[str]:
    project = make_project(tmp_path, stack)
    with pytest.raises(UserInputError) as caught:
        load_environment("dev", Project(project))
    return [p.render().replace(str(project / "environments") + "/", "") for p in caught.value.problems]


def test_real_environments_load() -> None:
    assert PROJECT.environments() == ["dev", "staging", "prod"]
    prod = load_environment("prod", PROJECT)
    assert prod.tier == "production"
    assert prod.protection.protect_stateful
    assert prod.encryption.cmek
    dev = load_environment("dev", PROJECT)
    assert dev.data.table_expiration_days == 30
    assert dev.protection.force_destroy


def test_defaults_fill_in(tmp_path: Path) -> None:
    cfg = load_environment("dev", Project(make_project(tmp_path, VALID)))
    assert cfg.name == "dev"
    assert cfg.prefix == "genai-dev"
    assert cfg.serving.models[0].name == "assistant"  # from defaults.yaml
    assert cfg.observability.notification_emails == ["ml-platform-oncall@example.com"]


def test_deep_merge_merges_mappings_and_replaces_lists() -> None:
    merged = deep_merge({"a": {"b": 1, "c": [1, 2]}, "d": 1}, {"a": {"c": [3]}, "e": 2})
    assert merged == {"a": {"b": 1, "c": [3]}, "d": 1, "e": 2}


def test_unknown_key_suggests(tmp_path: Path) -> None:
    assert problems(tmp_path, {**VALID, "regoin": "europe-west4"}) == [
        "Pulumi.dev.yaml: config.genai-mlops:environment.regoin: unknown key 'regoin'; did you mean 'region'? "
        f"(allowed: {', '.join(sorted(EnvironmentConfig.model_fields))})"
    ]


def test_unknown_nested_key_suggests(tmp_path: Path) -> None:
    stack = {**VALID, "serving": {"models": [{"name": "assistant", "min_replica": 1}]}}
    (message,) = problems(tmp_path, stack)
    assert message.startswith(
        "Pulumi.dev.yaml: config.genai-mlops:environment.serving.models[0].min_replica: unknown key "
        "'min_replica'; did you mean 'min_replicas'?"
    )


def test_all_errors_at_once(tmp_path: Path) -> None:
    stack = {
        "tier": "development",
        "project": {"id": "Acme_Dev"},
        "region": "mars-central1",
        "serving": {"models": [{"name": "assistant", "min_replicas": 3, "max_replicas": 1}]},
        "observability": {"notification_emails": ["nobody"], "thresholds": {"error_ratio": 1.5}},
    }
    found = problems(tmp_path, stack)
    prefix = "Pulumi.dev.yaml: config.genai-mlops:environment."
    assert len(found) == 5, found
    assert any(m.startswith(prefix + "project.id: 'Acme_Dev' is not a valid GCP project id") for m in found)
    assert prefix + "serving.models[0]: min_replicas (3) must be <= max_replicas (1)" in found
    assert (
        prefix + "observability.notification_emails[0]: 'nobody' is not an e-mail address (expected name@domain.tld)"
    ) in found
    assert prefix + "observability.thresholds.error_ratio: Input should be less than or equal to 1; found 1.5" in found
    assert any(m.startswith(prefix + "region: 'mars-central1' is not a Vertex AI region") for m in found)


def test_missing_required_key(tmp_path: Path) -> None:
    assert problems(tmp_path, {"project": {"id": "acme-genai-test"}}) == [
        "Pulumi.dev.yaml: config.genai-mlops:environment.tier: required key is missing: set it here or in "
        "defaults.yaml (shared by every environment)"
    ]


def test_error_in_defaults_names_defaults_file(tmp_path: Path) -> None:
    project = make_project(tmp_path, VALID)
    defaults = project / "environments" / "defaults.yaml"
    defaults.write_text(defaults.read_text().replace("region: europe-west4", "region: europe-west99"))
    with pytest.raises(UserInputError) as caught:
        load_environment("dev", Project(project))
    (problem,) = caught.value.problems
    assert problem.file == str(defaults)
    assert problem.key_path == "region"


@pytest.mark.parametrize(
    ("project", "message"),
    [
        ({"id": "acme-genai-test", "mode": "create"}, "mode 'create' needs exactly one of folder_id or org_id"),
        (
            {"id": "acme-genai-test", "mode": "create", "folder_id": "123"},
            "mode 'create' needs billing_account (form 012345-6789AB-CDEF01)",
        ),
        (
            {"id": "acme-genai-test", "folder_id": "123"},
            "folder_id / org_id / billing_account are only used with mode 'create'; remove them or set mode: create",
        ),
    ],
)
def test_project_mode_rules(tmp_path: Path, project: dict[str, str], message: str) -> None:
    assert problems(tmp_path, {**VALID, "project": project}) == [
        f"Pulumi.dev.yaml: config.genai-mlops:environment.project: {message}"
    ]


def test_production_requires_protection_and_cmek(tmp_path: Path) -> None:
    assert problems(tmp_path, {**VALID, "tier": "production"}) == [
        "Pulumi.dev.yaml: config.genai-mlops:environment: tier 'production' requires "
        "protection.protect_stateful: true, protection.deletion_protection: true, protection.force_destroy: false, "
        "encryption.cmek: true"
    ]


def test_cmek_needs_regional_data(tmp_path: Path) -> None:
    assert problems(tmp_path, {**VALID, "encryption": {"cmek": True}}) == [
        "Pulumi.dev.yaml: config.genai-mlops:environment: encryption.cmek needs regional data: data.location is "
        "'EU' but the keys live in region 'europe-west4'; set data.location: europe-west4"
    ]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"data": {"bucket_names": {"datasets": "Goog-x"}}},
            "data.bucket_names.datasets: 'Goog-x' is not a valid bucket name",
        ),
        (
            {"data": {"dataset_prefix": "genai-dev"}},
            "data.dataset_prefix: 'genai-dev' is not a valid BigQuery dataset id",
        ),
        ({"messaging": {"topic_prefix": "goog-x"}}, "messaging.topic_prefix: 'goog-x' is not a valid Pub/Sub name"),
        ({"labels": {"Team": "x"}}, "labels: label key 'Team' is invalid"),
        (
            {"encryption": {"rotation_days": 365}},
            "encryption.rotation_days: Input should be less than or equal to 90; found 365",
        ),
        (
            {"messaging": {"min_backoff_seconds": 600, "max_backoff_seconds": 10}},
            "messaging: min_backoff_seconds (600) must not exceed max_backoff_seconds (10)",
        ),
    ],
)
def test_section_rules(tmp_path: Path, section: dict[str, Any], message: str) -> None:
    (found,) = problems(tmp_path, {**VALID, **section})
    assert found.startswith(f"Pulumi.dev.yaml: config.genai-mlops:environment.{message}"), found


def test_name_mismatch(tmp_path: Path) -> None:
    assert problems(tmp_path, {**VALID, "name": "prod"}) == [
        "Pulumi.dev.yaml: config.genai-mlops:environment.name: found 'prod' but the stack is 'dev'; "
        "remove the key (the stack name is used)"
    ]


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, VALID)
    (project / "environments" / "Pulumi.dev.yaml").write_text("config:\n  a: [1\n")
    with pytest.raises(UserInputError) as caught:
        load_environment("dev", Project(project))
    (problem,) = caught.value.problems
    assert problem.key_path.startswith("line 3")
    assert "not valid YAML" in problem.message


def test_unknown_environment(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as caught:
        load_environment("qa", Project(make_project(tmp_path, VALID)))
    assert "no stack file for environment 'qa' (known environments: dev)" in str(caught.value)


def write_stack(tmp_path: Path, config: dict[str, Any]) -> Path:
    project = make_project(tmp_path, VALID)
    (project / "environments" / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    return project


def test_stack_key_typos_are_named_with_a_suggestion(tmp_path: Path) -> None:
    project = write_stack(tmp_path, {"gcp:regoin": "europe-west4", "genai-mlops:enviroment": VALID})
    with pytest.raises(UserInputError) as caught:
        load_environment("dev", Project(project))
    assert [(p.key_path, p.message) for p in caught.value.problems] == [
        ("config.gcp:regoin", "unknown key 'gcp:regoin'; did you mean 'gcp:region'?"),
        (
            "config.genai-mlops:enviroment",
            "unknown key 'genai-mlops:enviroment'; did you mean 'genai-mlops:environment'?",
        ),
        (
            "config.genai-mlops:environment",
            "missing: the environment's settings live under this key (a mapping); found "
            "'genai-mlops:enviroment': rename it to 'genai-mlops:environment'",
        ),
    ]


def test_provider_project_must_be_the_environments(tmp_path: Path) -> None:
    project = write_stack(tmp_path, {"gcp:project": "someone-else", "genai-mlops:environment": VALID})
    with pytest.raises(UserInputError) as caught:
        load_environment("dev", Project(project))
    (problem,) = caught.value.problems
    assert (problem.key_path, problem.message) == (
        "config.gcp:project",
        "is 'someone-else' but the environment's project.id is 'acme-genai-test'; set both to the same value",
    )


def test_served_models_merge_by_name(tmp_path: Path) -> None:
    stack = {**VALID, "serving": {"models": [{"name": "assistant", "max_replicas": 4}, {"name": "summarizer"}]}}
    cfg = load_environment("dev", Project(make_project(tmp_path, stack)))
    assistant, summarizer = cfg.serving.models
    assert (assistant.name, assistant.max_replicas) == ("assistant", 4)
    assert assistant.description.startswith("Grounded question answering"), "kept from defaults.yaml"
    assert (summarizer.name, summarizer.max_replicas) == ("summarizer", 1)


def test_a_stack_can_remove_a_default_model(tmp_path: Path) -> None:
    stack = {**VALID, "serving": {"models": [{"name": "assistant", "remove": True}, {"name": "summarizer"}]}}
    cfg = load_environment("dev", Project(make_project(tmp_path, stack)))
    assert [m.name for m in cfg.serving.models] == ["summarizer"]


def test_a_model_named_twice_is_reported(tmp_path: Path) -> None:
    stack = {**VALID, "serving": {"models": [{"name": "assistant"}, {"name": "assistant", "max_replicas": 3}]}}
    assert problems(tmp_path, stack) == [
        "Pulumi.dev.yaml: config.genai-mlops:environment.serving: served model names must be unique; repeated: "
        "assistant"
    ]


def test_other_lists_of_named_items_replace() -> None:
    base = {"observability": {"channels": [{"name": "a", "x": 1}]}}
    assert deep_merge(base, {"observability": {"channels": [{"name": "b"}]}}) == {
        "observability": {"channels": [{"name": "b"}]}
    }


def test_merged_models_are_blamed_on_their_own_file_and_index(tmp_path: Path) -> None:
    """Merged by name, the stack's item 1 may be merged item 0: a message names the index in the file."""
    stack = {**VALID, "serving": {"models": [
        {"name": "summarizer", "min_replicas": 0},
        {"name": "assistant", "logging_sampling_rate": 2},
    ]}}
    found = problems(tmp_path, stack)
    prefix = "Pulumi.dev.yaml: config.genai-mlops:environment.serving.models"
    assert any(m.startswith(f"{prefix}[1].logging_sampling_rate: Input should be less than or equal to 1")
               for m in found)
    assert any(m.startswith(f"{prefix}[0].min_replicas: Input should be greater than or equal to 1") for m in found)


def test_a_defaults_value_is_blamed_on_defaults_at_its_index(tmp_path: Path) -> None:
    project = make_project(tmp_path, {**VALID, "serving": {"models": [{"name": "summarizer"}, {"name": "assistant"}]}})
    defaults = project / "environments" / "defaults.yaml"
    defaults.write_text(defaults.read_text().replace("logging_sampling_rate: 1.0", "logging_sampling_rate: 1.5"))
    with pytest.raises(UserInputError) as caught:
        load_environment("dev", Project(project))
    (problem,) = caught.value.problems
    assert (problem.file, problem.key_path) == (str(defaults), "serving.models[0].logging_sampling_rate")


def test_an_evaluation_gate_metric_typo_is_refused(tmp_path: Path) -> None:
    stack = {**VALID, "release": {"evaluation_gates": {"groundness": {"min": 0.9}}}}
    assert problems(tmp_path, stack) == [
        "Pulumi.dev.yaml: config.genai-mlops:environment.release.evaluation_gates.groundness: 'groundness' is not a "
        "metric the evaluation pipeline reports; did you mean 'groundedness'? (metrics: groundedness, toxicity, "
        "relevance, fluency)"
    ]


@pytest.mark.parametrize(
    ("change", "key_path", "message"),
    [
        ({"encryption": {"rotation_days": "30"}}, "encryption.rotation_days",
         "expected a whole number, found '30' (text); write 30 without quotes (quoted values are text)"),
        ({"protection": {"force_destroy": "off"}}, "protection.force_destroy",
         "expected true or false, found 'off' (text); write false without quotes (YAML 1.2 reads yes/no/on/off as "
         "words, like the Pulumi engine)"),
        ({"encryption": {"cmek": 1}}, "encryption.cmek", "expected true or false, found 1 (a number)"),
        ({"app": 42}, "app", "expected text, found 42 (a number); quote it to keep it text: '42'"),
        ({"serving": {"models": [{"name": "assistant", "min_replicas": 1.0}]}}, "serving.models[0].min_replicas",
         "expected a whole number, found 1.0 (a number); write 1"),
        ({"serving": {"models": ["assistant"]}}, "serving.models[0]",
         "expected a mapping (key: value lines), found 'assistant' (text)"),
        ({"release": {"promote_from": "dev"}}, "release.promote_from",
         "found 'dev', the environment itself; name the environment releases come from (none) or remove the key"),
    ],
)
def test_no_silent_coercion(tmp_path: Path, change: dict[str, Any], key_path: str, message: str) -> None:
    assert problems(tmp_path, {**VALID, **change}) == [
        f"Pulumi.dev.yaml: config.genai-mlops:environment.{key_path}: {message}"
    ]


def test_removing_a_model_defaults_lacks_is_refused(tmp_path: Path) -> None:
    stack = {**VALID, "serving": {"models": [{"name": "asistant", "remove": True}]}}
    assert problems(tmp_path, stack) == [
        "Pulumi.dev.yaml: config.genai-mlops:environment.serving.models[0].name: `remove: true` names 'asistant', "
        "which defaults.yaml does not define; did you mean 'assistant'? (defined: assistant)"
    ]
