"""Step 3 of tuning: deterministic train / eval split."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def split_examples(
    cleaned: dsl.Input[dsl.Dataset],
    eval_fraction: float,
    seed: int,
    train: dsl.Output[dsl.Dataset],
    evaluation: dsl.Output[dsl.Dataset],
):
    """Split by sha256(seed:id) so the same data and seed always give the same split."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    from pipelines.lib.records import read_records, write_records
    from pipelines.lib.split import split

    train_set, eval_set = split(read_records(cleaned.path), float(eval_fraction), int(seed))
    write_records(train.path, train_set)
    write_records(evaluation.path, eval_set)
    train.metadata["examples"] = len(train_set)
    evaluation.metadata["examples"] = len(eval_set)
    print(f"split: {len(train_set)} train / {len(eval_set)} eval (seed {int(seed)})")
