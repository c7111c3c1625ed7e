"""Reads the router's JSON replies for the stack script: `modules`, `active`, `job`, `state`,
`path` (of the imported file) and `job-id` (of a POST /api/downloads reply), from stdin."""

import json
import sys

what = sys.argv[1]
try:
    data = json.load(sys.stdin)
except ValueError:
    data = {}
if what == "active":
    print(len(data.get("active", [])))
elif what == "modules":
    for module in data.get("modules", []):
        capabilities = ", ".join(c["operation"] for c in module["capabilities"])
        print("  {:<14} {:<9} {}".format(module["name"], module["status"], capabilities))
elif what == "job-id":
    print(data["job_id"])
elif what == "state":
    print(data.get("state", "unknown"))
elif what == "job":
    print("job {}: {}".format(data["id"], data["state"]))
    for step in data["steps"]:
        print("  {:<9} {:<10} attempts={} {}".format(step["name"], step["status"], step["attempts"], step.get("error", "")))
elif what == "path":
    # The path the pipeline's `result` names, as the job's final event carries it.
    print(data["context"]["final_event"]["data"]["library_path"])
