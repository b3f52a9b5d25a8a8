#!/usr/bin/env python3
"""lego `exec` DNS provider program for the benchmark: publishes the DNS-01 TXT
record in pebble-challtestsrv through its management API.

lego calls it (default mode) as
    lego_exec_challtestsrv.py present|cleanup _acme-challenge.<name>. <value>
The management URL comes from CHALLTESTSRV_URL (set by tests/bench/run.py).
"""
import json
import os
import sys
import urllib.request


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("present", "cleanup"):
        return 0  # "timeout" and anything else: nothing to do, lego keeps its defaults
    action, fqdn = sys.argv[1], sys.argv[2]
    body = {"host": fqdn if fqdn.endswith(".") else fqdn + "."}
    if action == "present":
        body["value"] = sys.argv[3]
    path = "/set-txt" if action == "present" else "/clear-txt"
    req = urllib.request.Request(os.environ["CHALLTESTSRV_URL"] + path, data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
