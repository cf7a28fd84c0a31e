"""Expo fixtures from ../shared/captures/expo/ (EXPO.md's live runs).

The captures hold each WebSocket frame's exact bytes in base64 (`b64`), with
times in ms since the monitor connected, and notes of the browser around
them. This writes the frames, byte for byte, in the fixture format of
SPEC.md: `{"t": epoch ms, "dir": "in"|"out", "data": "<the frame>"}`, the
times moved to start at T0, after a `meta` `open` line with the source's
`expo://` URL (which tells replay the frames are the Expo plugin socket's).
Binary frames (another plugin's MessageFramePacker frames) cannot be text
frames of a fixture; they are left out and counted in the file's note line.

    python3 tests/expo-fixtures.py [CAPTURES_DIR] [OUT_DIR]
"""
import base64
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "captures", "expo")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "fixtures", "expo")
# 2026-12-02T00:00:00Z, the capture day's neighbourhood.
T0 = 1_796_169_600_000

FILES = {
    "frames-start-sdk57-node20.jsonl": "start-sdk57.jsonl",
    "frames-start-sdk58.jsonl": "start-sdk58.jsonl",
    "frames-webui-sdk58.jsonl": "webui-sdk58.jsonl",
    "frames-passive-sdk58.jsonl": "passive-sdk58.jsonl",
    "frames-late-start.jsonl": "late-start.jsonl",
    "frames-late-update.jsonl": "late-update.jsonl",
    "frames-standin-node20.jsonl": "standin-node20.jsonl",
    "frames-binary.jsonl": "binary.jsonl",
    "frames-sticky-A.jsonl": "sticky-a.jsonl",
}


def convert(src, dst):
    lines = [json.loads(l) for l in open(src)]
    url = next((l["url"] for l in lines if l.get("event") == "monitor-open"), "")
    m = re.match(r"wss?://([^/]+)", url)
    out = [{"t": T0, "dir": "meta", "kind": "open", "data": f"expo://{m.group(1) if m else '127.0.0.1:8081'}"}]
    binary = 0
    for l in lines:
        if l.get("dir") not in ("in", "out"):
            continue
        if l.get("isBinary"):
            binary += 1
            continue
        data = base64.b64decode(l["b64"]).decode("utf-8")
        out.append({"t": T0 + int(l["t"]), "dir": l["dir"], "data": data})
    if binary:
        out.append({"t": out[-1]["t"], "dir": "note", "data": f"{binary} binary frame(s) of another plugin left out"})
    with open(dst, "w") as f:
        for o in out:
            f.write(json.dumps(o, ensure_ascii=False, separators=(",", ":")) + "\n")
    return len(out) - 1, binary


def main():
    os.makedirs(OUT, exist_ok=True)
    for src, dst in FILES.items():
        n, b = convert(os.path.join(CAPTURES, src), os.path.join(OUT, dst))
        print(f"{dst}: {n} lines ({b} binary frames left out)")


if __name__ == "__main__":
    main()
