#!/usr/bin/python3
"""capture.py PORT: an HTTP server on 127.0.0.1:PORT that answers 200 to
every GET and POST and prints each request line and its headers, so a test
can see what a client (curl --aws-sigv4) sent."""
import http.server
import sys


class Capture(http.server.BaseHTTPRequestHandler):
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        sys.stdout.write(self.requestline + "\n" + str(self.headers) + "\n")
        sys.stdout.flush()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = handle_any
    do_POST = handle_any

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Capture).serve_forever()
