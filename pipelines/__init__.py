"""KFP v2 pipelines every environment runs: `tuning` (train a candidate model) and `evaluation` (monitor quality).

`pipelines.compile.compile_all` turns them into byte-deterministic YAML templates versioned by sha256;
`pipelines.local_run.run_local` runs one end to end with kfp.local on the sample data in `pipelines/data/`.
"""
