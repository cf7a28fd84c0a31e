"""Build the seed corpora for the fuzz targets from the recorded captures.

python3 tests/fuzz/seed.py OUT_DIR  ->  OUT_DIR/<target>/<n> files
"""
import json
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = sys.argv[1]
files = []
for d in [os.path.join(root, "fixtures"), os.path.join(root, "fixtures", "legacy"), os.path.join(root, "tests", "bad-inputs")]:
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.path.getsize(p) < 2_000_000:
            files.append(p)
seeds = {t: [] for t in ["frame_decoder", "relay_decoder", "jsan_resolver", "path_parser", "fixture_reader"]}
for p in files:
    raw = open(p, "rb").read()
    seeds["fixture_reader"].append(raw[:65536])
    for line in raw.splitlines()[:400]:
        try:
            rec = json.loads(line)
        except Exception:
            continue
        data = rec.get("data") if isinstance(rec, dict) else None
        if not isinstance(data, str) or len(data) > 65536:
            continue
        seeds["frame_decoder"].append(data.encode())
        try:
            frame = json.loads(data)
        except Exception:
            continue
        msg = frame.get("data", {}).get("data") if isinstance(frame, dict) and isinstance(frame.get("data"), dict) else None
        if isinstance(msg, dict):
            seeds["relay_decoder"].append(json.dumps(msg).encode())
            for field in ("payload", "action"):
                if isinstance(msg.get(field), str) and "$jsan" in msg[field]:
                    seeds["jsan_resolver"].append(msg[field].encode())
seeds["path_parser"] = [s.encode() for s in [".todos[0].title", "todos[0].title", '.["odd key"]', "/todos/0/title", ".", "", "/a~1b", ".a..b", ".[\"\\u0041\"]"]]
for target, items in seeds.items():
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    seen = set()
    for i, item in enumerate(items):
        if item in seen:
            continue
        seen.add(item)
        open(os.path.join(d, "seed-%04d" % i), "wb").write(item)
    print(f"{target}: {len(seen)} seeds")
