#!/usr/bin/python3
"""Measures vigild's status endpoints for tests/bench/status_bench.sh.

    status_probe.py SOCKET HTTP_PORT PID [ROUNDS]

Runs in the daemon's network namespace. For each of /status.json and /metrics it makes ROUNDS
requests on the control socket, one after another, and reports the latency of each (request
sent to last byte read) and the size of the answer. Meanwhile a second thread asks GET /healthz
on the HTTP listener back to back: /healthz is answered on the event loop itself, so its latency
is the time the loop kept it waiting, i.e. the loop stall the status requests cause. The same
/healthz probe runs first with no status request in flight, as the baseline.

Wall-clock latencies grow with whatever else the machine runs, so the CPU time vigild's threads
spent per request is reported too (from /proc/PID/task/TID/schedstat, nanoseconds on a CPU): the
event loop's (the main thread) and the status worker's ("vigild-status"), less what the loop
used for the /healthz probe and its own work meanwhile (measured alone first).
"""
import os
import socket
import statistics
import sys
import threading
import time


def request(connect, path):
    s = connect()
    start = time.perf_counter()
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    size = 0
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        size += len(chunk)
    s.close()
    return time.perf_counter() - start, size


def unix(path):
    def connect():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        return s
    return connect


def tcp(port):
    def connect():
        return socket.create_connection(("127.0.0.1", port))
    return connect


class Probe(threading.Thread):
    """Back-to-back /healthz requests until stopped; latencies in seconds."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.samples, self.stop = port, [], threading.Event()

    def run(self):
        connect = tcp(self.port)
        while not self.stop.is_set():
            self.samples.append(request(connect, "/healthz")[0])
            time.sleep(0.001)


def thread_cpu(pid):
    """CPU seconds of the event loop (main thread) and of the vigild-status worker."""
    loop = worker = 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            ns = int(f.read().split()[0])
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            name = f.read().strip()
        if tid == str(pid):
            loop = ns / 1e9
        elif name == "vigild-status":
            worker = ns / 1e9
    return loop, worker


def ms(x):
    return f"{x * 1000:8.2f}"


def summary(name, xs):
    xs = sorted(xs)
    p99 = xs[min(len(xs) - 1, int(len(xs) * 0.99))]
    print(f"  {name:<34} n={len(xs):5d} median {ms(statistics.median(xs))} ms  "
          f"p99 {ms(p99)} ms  max {ms(xs[-1])} ms")


def main():
    sock, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    probe = Probe(port)
    cpu0, t0 = thread_cpu(pid), time.perf_counter()
    probe.start()
    time.sleep(3)
    probe.stop.set()
    probe.join()
    cpu1, t1 = thread_cpu(pid), time.perf_counter()
    idle_loop_rate = (cpu1[0] - cpu0[0]) / (t1 - t0)  # loop CPU per second with the probe alone
    print("loop responsiveness (GET /healthz on the HTTP listener):")
    summary("idle (no status request)", probe.samples)
    for path in ("/status.json", "/metrics"):
        probe = Probe(port)
        probe.start()
        time.sleep(0.2)
        latencies, size = [], 0
        cpu0, t0 = thread_cpu(pid), time.perf_counter()
        for _ in range(rounds):
            t, size = request(unix(sock), path)
            latencies.append(t)
        cpu1, t1 = thread_cpu(pid), time.perf_counter()
        probe.stop.set()
        probe.join()
        loop = (cpu1[0] - cpu0[0] - idle_loop_rate * (t1 - t0)) / rounds
        worker = (cpu1[1] - cpu0[1]) / rounds
        print(f"{path} on the control socket ({size / 1e6:.1f} MB):")
        summary("request latency", latencies)
        summary("/healthz meanwhile (loop stall)", probe.samples)
        print(f"  CPU per request: event loop {ms(loop)} ms, status worker {ms(worker)} ms")


if __name__ == "__main__":
    main()
