"""Prints every log line of one job from the given JSON log files, merged in time order, as
readable lines: the hand-offs between router and modules, as one trace."""

import json
import os
import sys

job_id, paths = sys.argv[1], sys.argv[2:]
SKIP = {"timestamp", "level", "message", "target", "span", "spans", "threadName", "threadId"}
lines = []
for path in paths:
    service = os.path.splitext(os.path.basename(path))[0]
    for line in open(path, encoding="utf-8"):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        span = entry.get("span") or {}
        if job_id not in (span.get("job_id"), entry.get("job_id"), span.get("correlation_id")):
            continue
        fields = " ".join(f"{k}={v}" for k, v in entry.items() if k not in SKIP and k != "job_id")
        lines.append((entry.get("timestamp", ""), service, entry.get("level", ""), entry.get("message", ""), fields))
for timestamp, service, level, message, fields in sorted(lines):
    print(f"{timestamp[11:23]}  {service:<13} {level:5}  {message}  {fields}")
