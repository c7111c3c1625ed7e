"""An OTLP/HTTP receiver for the local stack: decodes every `POST /v1/traces` (protobuf) and
appends one JSON line per span to a file. `trace_tree.py` prints a trace from that file.

Only the fields the tree needs are read: resource `service.name`; span ids, parent, name, start
and end (opentelemetry-proto's trace.proto field numbers)."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Lock


def varint(buf, at):
    value, shift = 0, 0
    while True:
        byte = buf[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def fields(buf):
    """(field number, value) of each field of a message: ints for varint and fixed, bytes for
    length-delimited."""
    at = 0
    while at < len(buf):
        key, at = varint(buf, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = varint(buf, at)
        elif wire == 1:
            value, at = int.from_bytes(buf[at : at + 8], "little"), at + 8
        elif wire == 2:
            length, at = varint(buf, at)
            value, at = buf[at : at + length], at + length
        elif wire == 5:
            value, at = int.from_bytes(buf[at : at + 4], "little"), at + 4
        else:
            raise ValueError(f"wire type {wire} not supported")
        yield number, value


def service_name(resource):
    for number, attribute in fields(resource):
        if number != 1:
            continue
        parts = dict(fields(attribute))
        if parts.get(1) == b"service.name":
            return dict(fields(parts.get(2, b""))).get(1, b"").decode()
    return "?"


def spans(request):
    for number, resource_spans in fields(request):
        if number != 1:
            continue
        parts = list(fields(resource_spans))
        service = next((service_name(v) for n, v in parts if n == 1), "?")
        for scope_spans in (v for n, v in parts if n == 2):
            for span in (v for n, v in fields(scope_spans) if n == 2):
                span = dict(fields(span))
                yield {
                    "service": service,
                    "trace_id": span.get(1, b"").hex(),
                    "span_id": span.get(2, b"").hex(),
                    "parent_id": span.get(4, b"").hex(),
                    "name": span.get(5, b"").decode(),
                    "start": span.get(7, 0),
                    "end": span.get(8, 0),
                }


class Sink(BaseHTTPRequestHandler):
    lock = Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock, open(sys.argv[2], "a", encoding="utf-8") as out:
            for span in spans(body):
                out.write(json.dumps(span) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
