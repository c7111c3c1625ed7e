"""Prints the trace that holds the first span named NAME, from the spans `otlp_sink.py`
recorded, as a tree: service, span, duration; children in the order they started.

usage: trace_tree.py SPANS.jsonl NAME"""

import json
import sys
from collections import defaultdict

spans = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
root = next((span for span in spans if span["name"] == sys.argv[2]), None)
if root is None:
    sys.exit(f"no span named {sys.argv[2]!r} among {len(spans)} exported spans")
trace = [span for span in spans if span["trace_id"] == root["trace_id"]]
ids = {span["span_id"] for span in trace}
children = defaultdict(list)
for span in trace:
    children[span["parent_id"] if span["parent_id"] in ids else None].append(span)


def show(span, depth):
    millis = (span["end"] - span["start"]) / 1e6
    print(f"{'  ' * depth}{span['service']:<14} {span['name']:<34} {millis:>9.1f} ms")
    for child in sorted(children[span["span_id"]], key=lambda span: span["start"]):
        show(child, depth + 1)


print(f"trace {root['trace_id']}: {len(trace)} spans from {len({s['service'] for s in trace})} services")
for top in sorted(children[None], key=lambda span: span["start"]):
    show(top, 0)
