"""Child process for part 4: the portal's CSV export of the whole response store to /dev/null.

Run by bench/export.py so that its peak memory is measured alone. Prints one JSON object.
Usage: export_child.py MODULE FUNCTION (see EXPORT_HOOK in bench/export.py).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time


def call_export(module_name: str, function: str) -> dict:
    from portal import create_app

    app = create_app()
    with app.app_context():
        # The evaluation branch's API: a plan (the disclosure-control pass over the groups),
        # then the stream of CSV bytes. Adapt here if the API changes.
        from portal.evaluation.dataset import plan_export
        from portal.evaluation.filters import ExportFilters

        stream = getattr(importlib.import_module(module_name), function)
        began = time.monotonic()
        plan = plan_export(ExportFilters(questionnaire="18-months", version=1))
        planned = time.monotonic()
        written = 0
        with open(os.devnull, "wb") as out:
            for chunk in stream(plan, "csv"):
                out.write(chunk)
                written += len(chunk)
        done = time.monotonic()
        return {
            "rows": plan.row_count,
            "bytes": written,
            "plan_seconds": round(planned - began, 2),
            "export_seconds": round(done - began, 2),
            "k": plan.generalisation.k,
            "period_level": plan.generalisation.period_level,
            "suppressed": plan.generalisation.suppressed,
        }


def main() -> None:
    module_name, function = sys.argv[1], sys.argv[2]
    try:
        found = callable(getattr(importlib.import_module(module_name), function, None))
    except ImportError:
        found = False
    if not found:
        print(json.dumps({"skipped": "export module not present"}))
        return
    print(json.dumps(call_export(module_name, function)))


if __name__ == "__main__":
    main()
