"""A webhook receiver for the local stack: appends every POST (headers and JSON body) to a file."""

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        record = {"path": self.path, "signature": self.headers.get("X-SoulSpot-Signature"), "body": body}
        with open(sys.argv[2], "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
