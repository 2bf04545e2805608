#!/usr/bin/env python3
"""Prints figures for the console's timing goals; it asserts nothing.

- time to first frame: from spawning `switchboard demo` in a pseudo-terminal
  until the first full frame (the status bar and the hint bar) has arrived;
- idle CPU: CPU time the process uses over a quiet stretch, with the
  simulator's traffic slowed right down, and the bytes it writes meanwhile,
  first in the seconds after start-up, then at rest (no key for 15 s: the
  clock draws every five seconds);
- bytes per change: terminal output for one key press (moving the selection).

With --quiet-kore the idle figures are taken instead from the console with
a config of default poll intervals (conversations 10 s, agents 30 s) against
`switchboard simulator --no-traffic` on a free loopback port: a Kore where
nothing happens (issue 11's idle target).

Usage: scripts/measure-console.py [path/to/switchboard] [--runs N] [--idle SECS] [--quiet-kore]
Build first: cargo build --release
"""

import argparse
import os
import pty
import select
import signal
import statistics
import struct
import fcntl
import termios
import time


def spawn(binary, args, cols=120, rows=40, env=None):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["NO_COLOR"] = "1"
        os.environ["TERM"] = "xterm-256color"
        os.environ.update(env or {})
        os.execv(binary, [binary] + args)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return pid, fd


def read_until(fd, needles, timeout):
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            buf += chunk
            if all(n in buf for n in needles):
                return buf, True
    return buf, False


def drain(fd, secs):
    total = 0
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                total += len(os.read(fd, 65536))
            except OSError:
                break
    return total


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def stop(pid, fd):
    try:
        os.write(fd, b"q")
        time.sleep(0.3)
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(fd)


# The simulator's demo identity (src/sim/mod.rs); for loopback only.
DEMO = {
    "bot_id": "st-5a1e0000-demo-4b1d-9c0f-00000000a1f3",
    "org_id": "o-5a1e0000-demo-4c2e-8d10-00000000b2e4",
    "account_id": "5a1e0000000000000000d3e0",
    "client_id": "cs-5a1e0000-demo-4e3f-a021-00000000c3d5",
}
DEMO_SECRET = "demo-secret-for-the-simulator-only"


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet_kore(binary, tmp):
    """Starts a simulator with no traffic; returns (process, console args, env)."""
    import subprocess
    port, cb = free_port(), free_port()
    sim = subprocess.Popen(
        [binary, "simulator", "--listen", f"127.0.0.1:{port}", "--no-traffic"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    import socket
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    config = os.path.join(tmp, "config.toml")
    ids = "\n".join(f'{k} = "{v}"' for k, v in DEMO.items())
    with open(config, "w") as f:
        f.write(f'''[kore]
host = "http://127.0.0.1:{port}"
{ids}
client_secret = {{ env = "MEASURE_SECRET" }}

[callback]
listen = "127.0.0.1:{cb}"
public_url = "http://127.0.0.1:{cb}"
''')
    env = {"MEASURE_SECRET": DEMO_SECRET, "SWITCHBOARD_DATA_DIR": tmp, "SWITCHBOARD_STATE_DIR": tmp}
    return sim, ["--allow-insecure-http", "--config", config], env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?", default="target/release/switchboard")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("--quiet-kore", action="store_true")
    a = ap.parse_args()

    firsts = []
    for _ in range(a.runs):
        start = time.monotonic()
        pid, fd = spawn(a.binary, ["demo", "--speed", "0.01"])
        _, ok = read_until(fd, [b"Conversations", b"following"], 10)
        if ok:
            firsts.append((time.monotonic() - start) * 1000)
        stop(pid, fd)
    if firsts:
        print(f"time to first frame: median {statistics.median(firsts):.1f} ms, "
              f"min {min(firsts):.1f} ms, max {max(firsts):.1f} ms over {len(firsts)} runs")
    else:
        print("time to first frame: no frame seen")

    sim = None
    if a.quiet_kore:
        import tempfile
        tmp = tempfile.mkdtemp(prefix="measure-")
        sim, args, env = quiet_kore(a.binary, tmp)
        pid, fd = spawn(a.binary, args, env=env)
        print("idle figures: a console with default polls against a simulator with no traffic")
    else:
        pid, fd = spawn(a.binary, ["demo", "--speed", "0.01"])
    read_until(fd, [b"Conversations", b"following"], 10)
    drain(fd, 3.0)  # let the first polls settle
    cpu0 = cpu_seconds(pid)
    written = drain(fd, a.idle)
    cpu1 = cpu_seconds(pid)
    print(f"idle for {a.idle:.0f} s: CPU {cpu1 - cpu0:.2f} s "
          f"({100 * (cpu1 - cpu0) / a.idle:.2f}% of one core), "
          f"{written} bytes written ({written / a.idle:.0f} B/s: clock, ages, polls)")
    # No key since the start: past REST_AFTER_MS (15 s) the console is at
    # rest, and the clock draws every five seconds.
    drain(fd, max(0.0, 16.0 - 3.0 - a.idle))
    cpu0 = cpu_seconds(pid)
    written = drain(fd, a.idle)
    cpu1 = cpu_seconds(pid)
    print(f"at rest (no key for 15 s) for {a.idle:.0f} s: CPU {cpu1 - cpu0:.2f} s "
          f"({100 * (cpu1 - cpu0) / a.idle:.2f}% of one core), "
          f"{written} bytes written ({written / a.idle:.0f} B/s)")
    sizes = []
    for key in [b"j", b"k"] * 5:
        os.write(fd, key)
        sizes.append(drain(fd, 0.3))
    print(f"bytes per key press (move selection): median {statistics.median(sizes):.0f}, max {max(sizes)}")
    stop(pid, fd)
    if sim:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()
