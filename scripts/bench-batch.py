#!/usr/bin/env python3
"""Events per second, side by side, against one simulator with its rate limit off:

  batch  `switchboard send --batch` (release build), one process for all events
  node   the Hooks API page's sample (axios + jsonwebtoken), one request after
         another (scripts/node/hooks-recipe.js)
  curl   a shell loop, one curl per event, the JWT made once

Each is run --runs times (3 by default) on fresh conversations; the script
prints each run, the medians and the ratios batch/node and batch/curl. The
time is the wall time of the whole process (start-up included) for each.

  scripts/bench-batch.py [--events 2000] [--curl-events 300] [--runs 3]
                         [--concurrency N] [--no-build]

At scale (issue 18.12: batches grew quadratic in time and memory):

  scripts/bench-batch.py --scale 20000 [--no-build]

sends N conversations of 4 lines each with `send --batch`, then another N
on the same journal, and prints each run's wall time and peak memory (the
goal: each at most 10 s and 100 MB for N = 20,000).

Needs cargo, node and npm (the two packages are installed into
scripts/node/node_modules from its package-lock.json on first use), curl and bash.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE_DIR = os.path.join(ROOT, "scripts", "node")
BIN = os.environ.get("SWITCHBOARD_BENCH_BIN") or os.path.join(ROOT, "target", "release", "switchboard")
PER_CONVERSATION = 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_simulator():
    port = free_port()
    proc = subprocess.Popen(
        [BIN, "simulator", "--listen", f"127.0.0.1:{port}", "--rate-limit", "0",
         "--no-traffic", "--faults", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    banner = {}
    agents = []
    deadline = time.time() + 20
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.match(r"\s+(bot id|org id|account id|client id|client secret|base URL):\s+(\S+)", line)
        if m:
            banner[m.group(1)] = m.group(2)
        m = re.match(r"\s+(a-[0-9a-f-]+)\s+(.+?)\s+(AVAILABLE|BUSY|AWAY|OFFLINE)", line)
        if m:
            agents.append((m.group(1), m.group(2).strip()))
        if "base URL" in banner and len(agents) >= 3 and not line.strip().startswith("a-"):
            break
        if len(agents) >= 10:
            break
    if "base URL" not in banner or len(agents) < 2:
        proc.kill()
        sys.exit(f"the simulator did not start as expected: {banner} {agents}")
    # Keep its output drained.
    import threading
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, banner, agents


def conversations(run, tool, count):
    """Conversation ids and, per conversation, the (kind, transition, agent) plan."""
    convs = max(1, count // PER_CONVERSATION)
    ids = [f"c-bench-{tool}-{run}-{i:04d}" for i in range(convs)]
    return ids


def plan(count, agents):
    """One conversation's events: Mia enters, then Raj joins and leaves."""
    mia, raj = agents[0], agents[1]
    out = [("enter", mia)]
    while len(out) < count:
        out.append(("warm", raj) if len(out) % 2 == 1 else ("remove", raj))
    return out


def batch_lines(ids, steps):
    lines = []
    for verb, (aid, _) in steps:
        for c in ids:
            lines.append(json.dumps({"what": verb, "conversation": c, "agent": aid}))
    return lines


def payloads(ids, steps, bot_id):
    """The same events as hooks payloads, as the page's sample builds them."""
    out = []
    kinds = {"enter": ("NA", "entry"), "warm": ("WARM", "entry"), "remove": ("WARM", "exit")}
    for c in ids:
        for verb, (aid, name) in steps:
            kind, transition = kinds[verb]
            out.append(json.dumps({
                "conversationId": c,
                "botId": bot_id,
                "events": [{
                    "name": "INTERNAL_TRANSFER_EVENT",
                    "transfertype": kind,
                    "transition": transition,
                    "isExtAD": True,
                    "language": "en",
                    "experience": "chat",
                    "participant": {"identity": aid, "name": name, "type": "agent"},
                }],
            }))
    return out


def jwt(client_id, secret):
    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    now = int(time.time())
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"appId": client_id, "iat": now, "exp": now + 3600}).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def timed(cmd, **kw):
    start = time.perf_counter()
    res = subprocess.run(cmd, **kw)
    took = time.perf_counter() - start
    return res, took


def run_batch(work, banner, agents, run, events, concurrency):
    ids = conversations(run, "batch", events)
    steps = plan(PER_CONVERSATION, agents)
    lines = batch_lines(ids, steps)
    path = os.path.join(work, f"batch-{run}.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    data = os.path.join(work, f"data-{run}")
    env = dict(os.environ, SWITCHBOARD_BENCH_SECRET=banner["client secret"],
               SWITCHBOARD_DATA_DIR=data, SWITCHBOARD_STATE_DIR=os.path.join(work, "state"))
    env.pop("SWITCHBOARD_CONFIG", None)
    extra = ["--concurrency", str(concurrency)] if concurrency else []
    res, took = timed([BIN, "--config", os.path.join(work, "config.toml"), "send", "--batch", path]
                      + extra,
                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    delivered = sum(1 for l in res.stdout.splitlines() if '"outcome":"delivered"' in l)
    if res.returncode != 0 or delivered != len(lines):
        sys.exit(f"batch run failed (exit {res.returncode}, {delivered}/{len(lines)} delivered):\n"
                 f"{res.stderr[-2000:]}")
    return len(lines), took


def run_scale(work, banner, agents, run, count):
    """`count` conversations of 4 lines into one data dir; (events, seconds, peak MB)."""
    ids = [f"c-scale-{run}-{i:06d}" for i in range(count)]
    lines = batch_lines(ids, plan(4, agents))
    path = os.path.join(work, f"scale-{run}.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    env = dict(os.environ, SWITCHBOARD_BENCH_SECRET=banner["client secret"],
               SWITCHBOARD_DATA_DIR=os.path.join(work, "data-scale"),
               SWITCHBOARD_STATE_DIR=os.path.join(work, "state"))
    env.pop("SWITCHBOARD_CONFIG", None)
    out_path, err_path = path + ".out", path + ".err"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([BIN, "--config", os.path.join(work, "config.toml"), "send",
                                 "--batch", path], env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(out_path) as f:
        delivered = sum(1 for l in f if '"outcome":"delivered"' in l)
    if code != 0 or delivered != len(lines):
        with open(err_path) as f:
            sys.exit(f"scale run failed (exit {code}, {delivered}/{len(lines)} delivered):\n"
                     f"{f.read()[-2000:]}")
    # ru_maxrss is in KiB on Linux.
    return len(lines), took, usage.ru_maxrss / 1024


def write_config(work, banner):
    with open(os.path.join(work, "config.toml"), "w") as f:
        f.write(f'''[kore]
host = "{banner['base URL']}"
bot_id = "{banner['bot id']}"
org_id = "{banner['org id']}"
account_id = "{banner['account id']}"
client_id = "{banner['client id']}"
client_secret = {{ env = "SWITCHBOARD_BENCH_SECRET" }}
hooks_rate_limit_per_minute = 0
''')


def main_scale(count):
    sim, banner, agents = start_simulator()
    try:
        with tempfile.TemporaryDirectory(prefix="switchboard-bench-") as work:
            write_config(work, banner)
            for run in (1, 2):
                n, took, peak = run_scale(work, banner, agents, run, count)
                journal = "a fresh journal" if run == 1 else "the same journal again"
                print(f"scale run {run}: {count} conversations, {n} events on {journal}: "
                      f"{took:6.2f} s, peak {peak:6.1f} MB, {n / took:8.0f} events/s", flush=True)
    finally:
        sim.kill()
        sim.wait()


def run_node(work, banner, agents, run, events):
    ids = conversations(run, "node", events)
    steps = plan(PER_CONVERSATION, agents)
    path = os.path.join(work, f"node-{run}.jsonl")
    body = payloads(ids, steps, banner["bot id"])
    with open(path, "w") as f:
        f.write("\n".join(body) + "\n")
    env = dict(os.environ, SWITCHBOARD_BENCH_SECRET=banner["client secret"])
    res, took = timed(["node", os.path.join(NODE_DIR, "hooks-recipe.js"), banner["base URL"],
                       banner["bot id"], banner["client id"], path],
                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        sys.exit(f"node run failed: {res.stderr[-2000:]}")
    return len(body), took


CURL_LOOP = r'''
while IFS= read -r line; do
  curl -sf -o /dev/null -H "token: $SWITCHBOARD_BENCH_TOKEN" \
    -H "Content-Type: application/json" -d "$line" "$SWITCHBOARD_BENCH_URL" || exit 1
done < "$1"
'''


def run_curl(work, banner, agents, run, events):
    ids = conversations(run, "curl", events)
    steps = plan(PER_CONVERSATION, agents)
    path = os.path.join(work, f"curl-{run}.jsonl")
    body = payloads(ids, steps, banner["bot id"])
    with open(path, "w") as f:
        f.write("\n".join(body) + "\n")
    env = dict(os.environ,
               SWITCHBOARD_BENCH_TOKEN=jwt(banner["client id"], banner["client secret"]),
               SWITCHBOARD_BENCH_URL=f"{banner['base URL']}/agentassist/api/v1/hooks/{banner['bot id']}")
    res, took = timed(["bash", "-c", CURL_LOOP, "curl-loop", path], env=env,
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        sys.exit(f"curl loop failed: {res.stderr[-2000:]}")
    return len(body), took


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=2000, help="events per batch and node run")
    ap.add_argument("--curl-events", type=int, default=300, help="events per curl run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, help="send --batch --concurrency (default: its own)")
    ap.add_argument("--no-build", action="store_true", help="use the release binary as it is")
    ap.add_argument("--scale", type=int, metavar="N",
                    help="only the scale runs: N conversations of 4 lines, twice on one journal")
    a = ap.parse_args()
    if a.scale:
        if not a.no_build:
            subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        return main_scale(a.scale)
    for tool in ("node", "npm", "curl", "bash"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed")
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=NODE_DIR, check=True)

    sim, banner, agents = start_simulator()
    try:
        with tempfile.TemporaryDirectory(prefix="switchboard-bench-") as work:
            write_config(work, banner)
            rates = {"batch": [], "node": [], "curl": []}
            for run in range(1, a.runs + 1):
                for name, fn in (
                    ("batch", lambda: run_batch(work, banner, agents, run, a.events, a.concurrency)),
                    ("node", lambda: run_node(work, banner, agents, run, a.events)),
                    ("curl", lambda: run_curl(work, banner, agents, run, a.curl_events)),
                ):
                    n, took = fn()
                    rates[name].append(n / took)
                    print(f"run {run}  {name:5}  {n:5} events in {took:6.2f} s  {n / took:8.0f} events/s",
                          flush=True)
            med = {k: statistics.median(v) for k, v in rates.items()}
            print()
            print(f"medians over {a.runs} runs (events/s): "
                  f"batch {med['batch']:.0f}, node {med['node']:.0f}, curl {med['curl']:.0f}")
            print(f"batch/node {med['batch'] / med['node']:.1f}x (target 5x), "
                  f"batch/curl {med['batch'] / med['curl']:.1f}x (target 20x)")
    finally:
        sim.kill()
        sim.wait()


if __name__ == "__main__":
    main()
