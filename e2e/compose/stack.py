"""Driving the docker compose stack from the compose and cluster tests: compose itself, the
router's HTTP API, a webhook receiver on the host, and the checks both tests share.

Only the standard library: the tests run wherever python3 and a Docker engine do."""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = ["spotify", "soulseek", "metadata", "library", "notifications"]


class Failure(Exception):
    """A check that did not hold; the test prints it and fails."""


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def wait_for(what, check, timeout, interval=0.5):
    """Polls `check` until it returns something truthy; fails naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (Failure, OSError, ValueError, KeyError) as error:
            last_error = error
        time.sleep(interval)
    raise Failure(f"timed out after {timeout}s waiting for {what}" + (f" ({last_error})" if last_error else ""))


def compose_commands():
    """Every compose implementation here: `docker compose` (v2), then Debian's docker-compose."""
    found = []
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        found.append(["docker", "compose"])
    v2 = os.path.join(ROOT, ".tools", "compose", "docker-compose")
    if os.access(v2, os.X_OK):
        found.append([v2])
    if shutil.which("docker-compose"):
        found.append(["docker-compose"])
    if not found:
        raise Failure("no docker compose and no docker-compose on this machine")
    return found


def images_env():
    """The image tag and NATS image `make images` chose."""
    path = os.path.join(ROOT, ".tools", "images.env")
    if not os.path.exists(path):
        raise Failure("no .tools/images.env: run 'make images' first")
    return read_env(path)


def read_env(path):
    """The `KEY=value` lines of an env file."""
    values = {}
    with open(path, encoding="utf-8") as source:
        for line in source:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
    return values


def write_catalog(folder, synthetic_tracks=None):
    """The sandbox's default catalog, with `synthetic_tracks` generated tracks when given."""
    with open(os.path.join(ROOT, "crates", "sandbox", "catalog", "default.toml"), encoding="utf-8") as source:
        text = source.read()
    if synthetic_tracks is not None:
        marker = "[synthetic]\ntracks = "
        start = text.index(marker) + len(marker)
        end = text.index("\n", start)
        text = text[:start] + str(synthetic_tracks) + text[end:]
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "catalog.toml")
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    # The sandbox reads it as its own user, not as the one running the test.
    os.chmod(folder, 0o755)
    os.chmod(path, 0o644)


class Compose:
    """One compose project: its files, profiles and variables."""

    def __init__(self, command, project, files, profiles, variables):
        self.command = command
        self.project = project
        self.files = files
        self.profiles = profiles
        self.env_dir = tempfile.mkdtemp(prefix="soulspot-compose-")
        self.env_file = os.path.join(self.env_dir, "test.env")
        with open(self.env_file, "w", encoding="utf-8") as out:
            for key, value in variables.items():
                out.write(f"{key}={value}\n")

    def args(self):
        args = list(self.command) + ["--project-name", self.project, "--env-file", self.env_file]
        for file in self.files:
            args += ["-f", os.path.join(ROOT, file)]
        for profile in self.profiles:
            args += ["--profile", profile]
        return args

    def run(self, *args, check=True, capture=True):
        result = subprocess.run(self.args() + list(args), cwd=ROOT, capture_output=capture, text=True)
        if check and result.returncode != 0:
            raise Failure(f"compose {' '.join(args)} failed: {result.stderr.strip()[-2000:]}")
        return result.stdout if capture else ""

    def container(self, service):
        ids = self.run("ps", "-q", service).split()
        if not ids:
            raise Failure(f"no container for {service}")
        return ids[0]

    def services(self):
        return self.run("config", "--services").split()

    def wait_healthy(self, services, timeout=180):
        for service in services:
            def healthy(service=service):
                state = docker("inspect", "-f", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
                               self.container(service)).strip()
                if state.startswith(("exited", "dead")):
                    raise Failure(f"{service} is {state}: {self.logs(service)}")
                return state == "running healthy"
            try:
                wait_for(f"{service} to be healthy", healthy, timeout)
            except Failure as failure:
                raise Failure(f"{failure}; its log ends:\n{self.logs(service)}") from None
        log(f"healthy: {', '.join(services)}")

    def logs(self, service, lines=30):
        return self.run("logs", "--no-color", "--tail", str(lines), service, check=False)

    def host_port(self, service, port):
        address = self.run("port", service, str(port)).strip().splitlines()[0]
        return address.replace("0.0.0.0", "127.0.0.1")

    def down(self):
        self.run("down", "-v", "--remove-orphans", "--timeout", "10", check=False)

    def leftovers(self):
        label = f"label=com.docker.compose.project={self.project}"
        return {
            "containers": docker("ps", "-aq", "--filter", label).split(),
            "volumes": docker("volume", "ls", "-q", "--filter", label).split(),
            "networks": docker("network", "ls", "-q", "--filter", label).split(),
        }


def docker(*args):
    result = subprocess.run(["docker"] + list(args), capture_output=True, text=True)
    if result.returncode != 0:
        raise Failure(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


class Api:
    """The router's HTTP API with its key."""

    def __init__(self, address, key):
        self.base = f"http://{address}"
        self.key = key

    def request(self, method, path, body=None, key=True, timeout=10):
        headers = {"content-type": "application/json"}
        if key:
            headers["X-Api-Key"] = self.key
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def get(self, path):
        status, body = self.request("GET", path)
        if status != 200:
            raise Failure(f"GET {path} answered {status}: {body}")
        return body

    def module_status(self):
        return {module["name"]: module["status"] for module in self.get("/api/modules/status")["modules"]}

    def wait_modules(self, expected, timeout=120):
        def reached():
            status = self.module_status()
            return all(status.get(name) == state for name, state in expected.items()) and status
        status = wait_for(f"modules {expected}", reached, timeout)
        log("modules: " + ", ".join(f"{name} {state}" for name, state in sorted(status.items())))

    def download(self, body):
        status, reply = self.request("POST", "/api/downloads", body)
        if status != 202:
            raise Failure(f"POST /api/downloads answered {status}: {reply}")
        return reply["job_id"]

    def wait_job(self, job_id, timeout=180):
        def finished():
            job = self.get(f"/api/jobs/{job_id}")
            return job if job["state"] in ("completed", "failed") else None
        job = wait_for(f"job {job_id} to finish", finished, timeout)
        if job["state"] != "completed":
            raise Failure(f"job {job_id} {job['state']}: {json.dumps(job['steps'])}")
        return job


def library_path(job):
    return job["context"]["final_event"]["data"]["library_path"]


def api_key(stack):
    return wait_for("the router's generated API key",
                    lambda: stack.run("exec", "-T", "router", "cat", "/var/lib/soulspot/api_key").strip(), 60)


class WebhookSink:
    """Receives the notifications module's webhooks on the Docker host."""

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with sink.lock:
                    sink.received.append(json.loads(body or b"null"))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        # Containers reach the host through the bridge's gateway, so not only loopback.
        self.server = ThreadingHTTPServer(("0.0.0.0", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self):
        return f"http://host.docker.internal:{self.port}/soulspot"

    def for_job(self, job_id):
        with self.lock:
            return [body for body in self.received if json.dumps(body).find(job_id) >= 0]

    def stop(self):
        self.server.shutdown()


def flac_tags(data):
    """The Vorbis comments of a FLAC file, as {NAME: [values]}."""
    if data[:4] != b"fLaC":
        raise Failure("not a FLAC file")
    offset, tags = 4, {}
    while offset + 4 <= len(data):
        header = data[offset]
        length = int.from_bytes(data[offset + 1:offset + 4], "big")
        block = data[offset + 4:offset + 4 + length]
        if header & 0x7F == 4:
            vendor = struct.unpack_from("<I", block, 0)[0]
            position = 4 + vendor
            count = struct.unpack_from("<I", block, position)[0]
            position += 4
            for _ in range(count):
                size = struct.unpack_from("<I", block, position)[0]
                name, _, value = block[position + 4:position + 4 + size].decode("utf-8").partition("=")
                tags.setdefault(name.upper(), []).append(value)
                position += 4 + size
        offset += 4 + length
        if header & 0x80:
            break
    return tags


def read_library_file(stack, path):
    container = stack.container("library")
    result = subprocess.run(["docker", "exec", container, "cat", path], capture_output=True)
    if result.returncode != 0:
        raise Failure(f"{path} is not in the library volume: {result.stderr.decode().strip()}")
    return result.stdout


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_sandbox_stack(command, project, files, run, synthetic_tracks=None):
    """Starts `files` with the sandbox profile (on the images `make images` built, a catalog
    written for the test, a webhook receiver on the host and the API on a free loopback port),
    calls `run(compose, sink)`, and takes everything down again, volumes included."""
    images = images_env()
    catalog = tempfile.mkdtemp(prefix="soulspot-catalog-")
    write_catalog(catalog, synthetic_tracks)
    sink = WebhookSink()
    compose = Compose(command, project, files, ["sandbox"], {
        "SOULSPOT_IMAGE_TAG": images.get("SOULSPOT_IMAGE_TAG", "latest"),
        "NATS_IMAGE": images["NATS_IMAGE"],
        "SOULSPOT_HTTP_BIND": "127.0.0.1:",
        "SOULSPOT_HTTP_BIND_2": "127.0.0.1:",
        "SOULSPOT_WEBHOOK_URL": sink.url(),
        "SOULSPOT_WEBHOOK_SECRET": f"{project}-secret",
        "SOULSPOT_TEST_CATALOG_DIR": catalog,
    })
    log(f"compose: {' '.join(compose.command)}")
    compose.down()
    try:
        run(compose, sink)
    finally:
        compose.down()
        sink.stop()
        shutil.rmtree(catalog, ignore_errors=True)
    return compose


def main(test):
    """Runs `test()`, printing a failure and exiting non-zero on one."""
    started = time.monotonic()
    try:
        test()
    except Failure as failure:
        log(f"FAIL {failure}")
        sys.exit(1)
    log(f"passed in {time.monotonic() - started:.0f}s")
