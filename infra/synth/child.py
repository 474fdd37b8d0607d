"""Child process of `synth_stacks_in_subprocess`: synth stacks of another source tree with this tree's engine.

Run as a script (not `-m`), so nothing of the other tree is imported before the engine is loaded. The engine
modules are imported from `--tool-root`, then every `infra*` module is dropped from `sys.modules` and the other
tree goes first on `sys.path`: the program's `import infra...` then loads the other tree's code, while the
engine keeps its own (already bound) modules. The result (or the error) is written as JSON to `--result-file`.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool-root", required=True)
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--result-file", required=True)
    parser.add_argument("stacks", nargs="+")
    args = parser.parse_args()

    sys.path[0] = args.tool_root
    from pathlib import Path

    from infra.layout import Project
    from infra.synth import api

    for name in [n for n in sys.modules if n == "infra" or n.startswith("infra.")]:
        del sys.modules[name]
    sys.path[0] = args.project_dir
    sys.path.append(args.tool_root)  # last: a tree without its own `infra` still finds contracts.errors

    payload: dict[str, object]
    try:
        results = {}
        for stack in args.stacks:
            result = api.synth_result(stack, Project(Path(args.project_dir)))
            results[stack] = {
                "document": result.document, "unmocked_invokes": result.unmocked_invokes, "seconds": result.seconds,
                "warnings": result.warnings,
            }
        payload = {"results": results}
    except BaseException as exc:
        if type(exc).__name__ == "UserInputError" and hasattr(exc, "problems"):
            payload = {"error": {
                "kind": "user_input",
                "summary": str(getattr(exc, "summary", "invalid input")),
                "problems": [
                    {"file": str(p.file), "key_path": str(p.key_path), "message": str(p.message)} for p in exc.problems
                ],
            }}
        else:
            payload = {"error": {"kind": "crash", "message": "".join(traceback.format_exception(exc))[-6000:]}}
    with open(args.result_file, "w", encoding="utf-8") as handle:
        json.dump(payload, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
