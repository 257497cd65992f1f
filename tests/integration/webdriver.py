#!/usr/bin/python3
"""A minimal W3C WebDriver client (chromedriver from Debian's chromium-driver) for the lab tests:
one headless Chromium session driven from a shell script, one command per call.

  webdriver.py DRIVER start PROFILE_DIR [WIDTH HEIGHT]   prints the session id
  webdriver.py DRIVER SESSION get URL
  webdriver.py DRIVER SESSION wait SECONDS JS             polls `return (JS)` until truthy
  webdriver.py DRIVER SESSION eval JS                     prints `return (JS)` as JSON
  webdriver.py DRIVER SESSION screenshot FILE.png
  webdriver.py DRIVER SESSION quit
  webdriver.py fetch URL                                  prints the body (plain HTTP GET)

DRIVER is chromedriver's base URL (http://127.0.0.1:PORT). Exit status 1 on failure or timeout.
"""
import base64
import json
import sys
import time
import urllib.request

# The flags that work on this kind of machine: no sandbox as root, and no background traffic
# (the network is closed; Chromium otherwise retries its own services many times a second).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def call(method, url, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        sys.exit(f"webdriver: {method} {url}: {e.code} {e.read().decode(errors='replace')[:400]}")


def run_js(driver, session, js):
    out = call("POST", f"{driver}/session/{session}/execute/sync",
               {"script": f"return ({js});", "args": []})
    return out["value"]


def main(argv):
    if argv[1] == "fetch":
        with urllib.request.urlopen(argv[2], timeout=10) as r:
            sys.stdout.write(r.read().decode())
        return 0
    driver = argv[1]
    if argv[2] == "start":
        width, height = (int(argv[4]), int(argv[5])) if len(argv) > 5 else (390, 844)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": CHROMIUM_ARGS + [f"--user-data-dir={argv[3]}",
                                         f"--window-size={width},{height}"],
                # A phone: its viewport, pixel ratio and touch.
                "mobileEmulation": {"deviceMetrics": {"width": width, "height": height,
                                                      "pixelRatio": 3, "touch": True}},
            }}}}
        print(call("POST", f"{driver}/session", caps, timeout=90)["value"]["sessionId"])
        return 0
    session, cmd = argv[2], argv[3]
    base = f"{driver}/session/{session}"
    if cmd == "get":
        call("POST", f"{base}/url", {"url": argv[4]})
    elif cmd == "wait":
        deadline = time.monotonic() + float(argv[4])
        value = None
        while time.monotonic() < deadline:
            value = run_js(driver, session, argv[5])
            if value:
                return 0
            time.sleep(0.1)
        print(f"webdriver: timed out waiting for {argv[5]} (last value {value!r})",
              file=sys.stderr)
        return 1
    elif cmd == "eval":
        print(json.dumps(run_js(driver, session, argv[4])))
    elif cmd == "screenshot":
        png = call("GET", f"{base}/screenshot")["value"]
        with open(argv[4], "wb") as f:
            f.write(base64.b64decode(png))
    elif cmd == "quit":
        call("DELETE", base)
    else:
        sys.exit(f"webdriver: unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
