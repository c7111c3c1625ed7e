"""Prints the router's JSON log lines of one job, in order, as readable lines."""

import json
import sys

job_id, log_path = sys.argv[1], sys.argv[2]
SKIP = {"timestamp", "level", "message", "target", "span", "spans", "threadName", "threadId"}
for line in open(log_path, encoding="utf-8"):
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    span = entry.get("span") or {}
    if job_id not in (span.get("job_id"), entry.get("job_id"), span.get("correlation_id")):
        continue
    fields = " ".join(f"{k}={v}" for k, v in entry.items() if k not in SKIP)
    print(f"{entry.get('timestamp', '')[11:23]}  {entry.get('level', ''):5}  {entry.get('message', '')}  {fields}")
