#!/usr/bin/env python3
"""Mixed load for the availability drills (bench/drill-*.sh), standard
library only: readers GET pages and plots, writers PATCH their own plots
(each writer one plot, If-Match from the last answer) or POST new ones.

Every answer is written to --log as a line `t kind status ms` (t: Unix time
in seconds), every acknowledged write to --acked as `kind plot value`, and a
summary is printed as JSON at the end. A write's value is unique to the
attempt, so the drill can check afterwards that each acknowledged write is
stored exactly once.
"""

import argparse
import http.client
import json
import threading
import time
import urllib.parse
import uuid

parser = argparse.ArgumentParser()
parser.add_argument("--base", required=True)
parser.add_argument("--key", required=True, help="a planner key")
parser.add_argument("--readers", type=int, default=16)
parser.add_argument("--writers", type=int, default=4)
parser.add_argument("--write", choices=["patch", "post"], default="patch")
parser.add_argument("--duration", type=float, required=True, help="seconds")
parser.add_argument("--log", required=True)
parser.add_argument("--acked", required=True)
args = parser.parse_args()

base = urllib.parse.urlsplit(args.base)
stop = time.time() + args.duration
lock = threading.Lock()
log = open(args.log, "w")
acked = open(args.acked, "w")
counts = {}


def record(kind, status, started):
    now = time.time()
    with lock:
        log.write(f"{now:.3f} {kind} {status} {(now - started) * 1000:.1f}\n")
        counts.setdefault(kind, {}).setdefault(str(status), 0)
        counts[kind][str(status)] += 1


class Client:
    def __init__(self):
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body); status is 'refused' or 'error' when no
        HTTP answer came."""
        for _ in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                res = self.conn.getresponse()
                data = res.read()
                return res.status, dict(res.getheaders()), data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed: once more.
                self.conn = None
            except ConnectionRefusedError:
                self.conn = None
                return "refused", {}, b""
            except OSError:
                self.conn = None
                return "error", {}, b""
        return "error", {}, b""


def plot_ids(count):
    status, _, body = Client().request("GET", f"/collections/plots/items?limit={max(count, 1)}&f=json")
    assert status == 200, status
    return [f["id"] for f in json.loads(body)["features"]]


def reader(ids):
    client = Client()
    n = 0
    while time.time() < stop:
        n += 1
        path = (
            "/collections/plots/items?limit=50&f=json"
            if n % 2
            else f"/collections/plots/items/{ids[n % len(ids)]}?f=json"
        )
        started = time.time()
        status, _, _ = client.request("GET", path)
        record("read", status, started)


def auth(extra):
    return {"Authorization": f"Bearer {args.key}", **extra}


def patcher(w, plot):
    client = Client()
    etag = None
    n = 0
    while time.time() < stop:
        if etag is None:
            started = time.time()
            status, headers, _ = client.request("GET", f"/collections/plots/items/{plot}", headers=auth({}))
            record("etag", status, started)
            etag = headers.get("etag") or headers.get("ETag")
            if etag is None:
                time.sleep(0.05)
                continue
        n += 1
        value = f"drill {w} {n} {uuid.uuid4().hex[:8]}"
        body = json.dumps({"properties": {"name": value}})
        started = time.time()
        status, headers, _ = client.request(
            "PATCH",
            f"/collections/plots/items/{plot}",
            body=body,
            headers=auth({"Content-Type": "application/merge-patch+json", "If-Match": etag}),
        )
        record("write", status, started)
        if status == 200:
            etag = headers.get("etag") or headers.get("ETag")
            with lock:
                acked.write(f"patch {plot} {value}\n")
        else:
            # 503: the write may or may not have been made; 412: it was, or
            # another one was. Either way the tag is asked again.
            etag = None
            if status == 503:
                time.sleep(0.05)


def poster(w):
    client = Client()
    n = 0
    while time.time() < stop:
        n += 1
        reference = f"DRILL{w}-{n}"
        feature = {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[
                [10.20, 59.74], [10.2018, 59.74], [10.2018, 59.741], [10.20, 59.741], [10.20, 59.74]
            ]]},
            "properties": {
                "reference": reference, "name": "Drilltomt", "municipality": "3301", "land_use": 1340,
                "land_use_status": "current", "planning_status": "zoned", "location_class": "C",
                "readiness": "zoned", "ownership": "public", "offer_type": "sale", "status": "available",
            },
        }
        started = time.time()
        status, _, _ = client.request(
            "POST",
            "/collections/plots/items",
            body=json.dumps(feature),
            headers=auth({"Content-Type": "application/geo+json"}),
        )
        record("write", status, started)
        if status == 201:
            with lock:
                acked.write(f"post - {reference}\n")
        elif status == 503:
            time.sleep(0.05)


ids = plot_ids(max(args.writers, 20))
threads = [threading.Thread(target=reader, args=(ids,)) for _ in range(args.readers)]
for w in range(args.writers):
    if args.write == "patch":
        threads.append(threading.Thread(target=patcher, args=(w, ids[w])))
    else:
        threads.append(threading.Thread(target=poster, args=(w,)))
for t in threads:
    t.start()
for t in threads:
    t.join()
log.close()
acked.close()
print(json.dumps(counts, sort_keys=True))
