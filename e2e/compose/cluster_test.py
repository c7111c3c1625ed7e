"""`make cluster-test`: the cluster override with the sandbox, under faults.

Three NATS servers as one JetStream cluster, two routers, two instances of soulseek, metadata and
notifications. 300 jobs are submitted over HTTP to both routers; while they run, one NATS server
is killed and later restarted, one router is killed for good, and one soulseek container is cut
off the network for 20 s. Every job must complete; each track must be imported exactly once
(library index and files) and announced exactly once (webhook); no job may be left queued.
Prints the time to complete and the longest pause between two completions."""

import os
import threading
import time

import stack
from stack import Api, Failure, log

PROJECT = "soulspot-cluster-test"
JOBS = int(os.environ.get("CLUSTER_TEST_JOBS", "300"))
ARTISTS = 4  # the sandbox catalog's synthetic artists
FILES = ["docker-compose.yml", "deploy/compose.cluster.yml", "e2e/compose/test.yml", "e2e/compose/cluster-test.yml"]
CUT_OFF_SECONDS = 20
TIMEOUT = int(os.environ.get("CLUSTER_TEST_TIMEOUT", "1200"))


def track(number):
    """Synthetic track `number` (1-based), named as the sandbox generates it."""
    return {"track": {"artist": f"Sandbox Artist {(number - 1) % ARTISTS + 1}", "title": f"Synthetic Track {number}"}}


def test():
    stack.with_sandbox_stack(stack.compose_commands()[0], PROJECT, FILES, run, synthetic_tracks=JOBS)


def run(compose, sink):
    compose.run("up", "-d")
    services = ["nats", "nats-2", "nats-3", "sandbox", "router", "router-2"] + stack.MODULES + [
        "soulseek-2", "metadata-2", "notifications-2"]
    compose.wait_healthy(services, timeout=240)
    key = stack.api_key(compose)
    routers = [Api(compose.host_port("router", 8080), key), Api(compose.host_port("router-2", 8080), key)]
    routers[0].wait_modules({name: "active" for name in stack.MODULES})

    started = time.monotonic()
    jobs = {}
    for number in range(1, JOBS + 1):
        jobs[routers[number % 2].download(track(number))] = number
    log(f"{len(jobs)} jobs submitted to both routers in {time.monotonic() - started:.1f}s")

    completions = {}
    faults = threading.Thread(target=inject_faults, args=(compose, completions), daemon=True)
    faults.start()
    follow(routers[0], jobs, completions, started)
    faults.join(timeout=120)
    if faults.is_alive():
        raise Failure("the faults did not finish")
    elapsed = max(completions.values()) - started
    times = sorted([started] + list(completions.values()))
    pause = max(later - earlier for earlier, later in zip(times, times[1:]))
    log(f"all {JOBS} jobs completed in {elapsed:.0f}s; longest pause between completions {pause:.1f}s")

    check_exactly_once(routers[0], compose, sink, jobs)


def inject_faults(compose, completions):
    """Kills a NATS server, a router, and cuts a soulseek off, as the jobs go through."""
    def after(count):
        stack.wait_for(f"{count} completions", lambda: len(completions) >= count, TIMEOUT)

    after(JOBS // 10)
    log("fault: kill nats-2")
    compose.run("kill", "-s", "KILL", "nats-2")
    after(JOBS // 4)
    log("fault: kill router-2 (for good)")
    compose.run("kill", "-s", "KILL", "router-2")
    after(JOBS // 3)
    log("fault: restart nats-2")
    compose.run("start", "nats-2")
    after(JOBS // 2)
    container = compose.container("soulseek-2")
    network = f"{compose.project}_default"
    log(f"fault: soulseek-2 off the network for {CUT_OFF_SECONDS}s")
    stack.docker("network", "disconnect", network, container)
    time.sleep(CUT_OFF_SECONDS)  # the length of the outage, not a wait for anything
    stack.docker("network", "connect", network, container)
    log("fault: soulseek-2 back on the network")


def follow(api, jobs, completions, started):
    pending = set(jobs)
    deadline = started + TIMEOUT
    while pending:
        if time.monotonic() > deadline:
            raise Failure(f"{len(pending)} jobs unfinished after {TIMEOUT}s, e.g. {sorted(pending)[:3]}")
        for job_id in list(pending):
            try:
                job = api.get(f"/api/jobs/{job_id}")
            except (Failure, OSError):
                continue  # the router restarting its stores; asked again next round
            if job["state"] == "failed":
                reason = (job["context"].get("final_event") or {}).get("data")
                raise Failure(f"job {job_id} (track {jobs[job_id]}) failed: {reason}; steps {job['steps']}")
            if job["state"] == "completed":
                completions[job_id] = time.monotonic()
                pending.discard(job_id)
        log(f"{len(completions)}/{len(jobs)} completed")
        time.sleep(2)


def check_exactly_once(api, compose, sink, jobs):
    status, stats = api.request("POST", "/api/operations/library.stats", {})
    if status != 200 or stats.get("tracks") != JOBS:
        raise Failure(f"the library index holds {stats} ({status}), expected {JOBS} tracks")
    files = compose.run("exec", "-T", "library", "find", "/music", "-name", "*.flac", "-type", "f").split("\n")
    files = [name for name in files if name.strip()]
    if len(files) != JOBS:
        raise Failure(f"the library volume holds {len(files)} files, expected {JOBS}")
    log(f"library: {stats['tracks']} tracks indexed, {len(files)} files")
    for state in ("queued", "resolving", "downloading", "processing"):
        left = api.get(f"/api/jobs?state={state}")
        if left.get("jobs"):
            raise Failure(f"{len(left['jobs'])} jobs left {state}")

    def announced():
        counts = {job_id: len(sink.for_job(job_id)) for job_id in jobs}
        return counts if all(count >= 1 for count in counts.values()) else None
    counts = stack.wait_for("a webhook for every job", announced, 120)
    twice = {job_id: count for job_id, count in counts.items() if count != 1}
    if twice:
        raise Failure(f"{len(twice)} jobs announced more than once: {list(twice.items())[:5]}")
    log(f"webhooks: each of the {JOBS} jobs announced exactly once")


if __name__ == "__main__":
    os.chdir(stack.ROOT)
    stack.main(test)
