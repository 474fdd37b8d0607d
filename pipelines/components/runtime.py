"""The container image every component of this package runs in.

Components import their logic from `pipelines.lib`, so the image must contain this project installed with its
pinned dependencies (`pipelines/Dockerfile` builds it; it also carries kfp, so no component installs anything at
run time). kfp.local's SubprocessRunner ignores the image and runs the same code in the current interpreter.
Pin the pushed image by digest in a release. Every task carries the digest of `pipelines.lib` (see
`pipelines.lib.code_digest`), so library changes change the template version too.
"""

from kfp.dsl import PipelineTask

from pipelines.lib.code_digest import LIBRARY_DIGEST_ENV, library_digest

RUNTIME_IMAGE = "us-docker.pkg.dev/genai-mlops-shared/pipelines/python-runtime:0.1.0"


def step(task: PipelineTask, display_name: str, *, cache: bool = True) -> PipelineTask:
    """Configure a pipeline task the same way everywhere.

    Names it for the Vertex UI, stamps the library digest the component checks at run time, and turns off
    result caching for steps that read changing sources or have side effects (`cache=False`).
    """
    task.set_display_name(display_name).set_env_variable(LIBRARY_DIGEST_ENV, library_digest())
    if not cache:
        task.set_caching_options(False)
    return task
