#!/usr/bin/python3
"""Measures vigild's status endpoints for tests/bench/status_bench.sh.

    status_probe.py SOCKET HTTP_PORT [ROUNDS]

Runs in the daemon's network namespace. For each of /status.json and /metrics it makes ROUNDS
requests on the control socket, one after another, and reports the latency of each (request
sent to last byte read) and the size of the answer. Meanwhile a second thread asks GET /healthz
on the HTTP listener back to back: /healthz is answered on the event loop itself, so its latency
is the time the loop kept it waiting, i.e. the loop stall the status requests cause. The same
/healthz probe runs first with no status request in flight, as the baseline.
"""
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


def ms(x):
    return f"{x * 1000:8.2f}"


def summary(name, xs):
    xs = sorted(xs)
    p99 = xs[min(len(xs) - 1, int(len(xs) * 0.99))]
    print(f"  {name:<34} n={len(xs):5d} median {ms(statistics.median(xs))} ms  "
          f"p99 {ms(p99)} ms  max {ms(xs[-1])} ms")


def main():
    sock, port = sys.argv[1], int(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    probe = Probe(port)
    probe.start()
    time.sleep(3)
    probe.stop.set()
    probe.join()
    print("loop responsiveness (GET /healthz on the HTTP listener):")
    summary("idle (no status request)", probe.samples)
    for path in ("/status.json", "/metrics"):
        probe = Probe(port)
        probe.start()
        time.sleep(0.2)
        latencies, size = [], 0
        for _ in range(rounds):
            t, size = request(unix(sock), path)
            latencies.append(t)
        probe.stop.set()
        probe.join()
        print(f"{path} on the control socket ({size / 1e6:.1f} MB):")
        summary("request latency", latencies)
        summary("/healthz meanwhile (loop stall)", probe.samples)


if __name__ == "__main__":
    main()
