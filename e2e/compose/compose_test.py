"""`make compose-test`: the docker compose stack with the sandbox profile, end to end.

Validates the compose files (alone, with each profile, with the cluster override) with every
compose implementation here; starts the stack; downloads a track over HTTP with the API key and
finds it tagged in the library volume and announced by webhook; stops the metadata container and
sees the module inactive and the next track still imported, unenriched; starts it again and
sees it active; and `down -v` leaves no container, volume or network behind."""

import os

import stack
from stack import Api, Compose, Failure, log

PROJECT = "soulspot-compose-test"
FIRST = {"query": "Aurora Lane Glass Harbour"}
SECOND = {"track": {"artist": "Sandbox Artist 1", "title": "Synthetic Track 1"}}
VARIANTS = [
    ([], ["docker-compose.yml"]),
    (["sandbox"], ["docker-compose.yml"]),
    (["slskd"], ["docker-compose.yml"]),
    (["sandbox"], ["docker-compose.yml", "deploy/compose.cluster.yml"]),
]


def validate_configs():
    example = stack.read_env(os.path.join(stack.ROOT, "deploy", "compose", ".env.example"))
    for command in stack.compose_commands():
        for profiles, files in VARIANTS:
            for name, variables in (("no env file", {}), (".env.example", example)):
                Compose(command, PROJECT, files, profiles, variables).run("config", "-q")
                log(f"valid ({name}): {' '.join(command)} {' '.join(files)} "
                    f"{' '.join('--profile ' + p for p in profiles)}")


def test():
    validate_configs()
    compose = stack.with_sandbox_stack(stack.compose_commands()[-1], PROJECT,
                                       ["docker-compose.yml", "e2e/compose/test.yml"], run)
    leftovers = compose.leftovers()
    if any(leftovers.values()):
        raise Failure(f"down -v left {leftovers}")
    log("down -v left no container, volume or network")


def run(compose, sink):
    compose.run("up", "-d")
    compose.wait_healthy(["nats", "sandbox", "router"] + stack.MODULES)
    api = Api(compose.host_port("router", 8080), stack.api_key(compose))
    status, _ = api.request("GET", "/api/modules/status", key=False)
    if status != 401:
        raise Failure(f"the API answered {status} without its key")
    api.wait_modules({name: "active" for name in stack.MODULES})

    job = api.wait_job(api.download(FIRST))
    path = stack.library_path(job)
    tags = stack.flac_tags(stack.read_library_file(compose, path))
    for name in ("ARTIST", "TITLE", "MUSICBRAINZ_TRACKID"):
        if not tags.get(name):
            raise Failure(f"{path} has no {name} tag: {sorted(tags)}")
    log(f"job {job['id']} completed: {path} tagged {tags['ARTIST'][0]} / {tags['TITLE'][0]}")
    stack.wait_for("the webhook of the first job", lambda: sink.for_job(job["id"]), 60)
    log("webhook delivered")

    compose.run("stop", "metadata")
    api.wait_modules({"metadata": "inactive"})
    job = api.wait_job(api.download(SECOND))
    path = stack.library_path(job)
    tags = stack.flac_tags(stack.read_library_file(compose, path))
    if tags.get("MUSICBRAINZ_TRACKID"):
        raise Failure(f"{path} was enriched while metadata was stopped")
    enrich = [step for step in job["steps"] if step["name"] == "enrich"]
    log(f"job {job['id']} completed without metadata: {path} (enrich step: {enrich[0]['status'] if enrich else 'none'})")

    compose.run("start", "metadata")
    api.wait_modules({"metadata": "active"})


if __name__ == "__main__":
    os.chdir(stack.ROOT)
    stack.main(test)
