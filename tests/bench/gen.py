"""Generate the benchmark fixtures (fixture format of SPEC.md) into a directory.

python3 tests/bench/gen.py OUT_DIR
  replay-100k.jsonl     100,000 ACTION frames from 8 instances, ~1 KB each
  instances-10k.jsonl   10,000 instances (START, 2 ACTIONs, half DISCONNECTED)
  big-state-50mb.jsonl  one STATE frame of ~50 MB
"""
import json
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
T0 = 1795520108713


def state(i, n):
    return {
        "counter": {"value": i},
        "todos": [{"id": k, "text": f"todo number {k} of store {i}", "done": k % 3 == 0} for k in range(n)],
        "user": {"name": "Ada", "roles": ["admin", "dev"]},
    }


def frame(t, msg):
    data = json.dumps({"event": "#publish", "data": {"channel": "log", "data": msg}}, separators=(",", ":"))
    return json.dumps({"t": t, "dir": "in", "data": data}, separators=(",", ":")) + "\n"


def action_msg(s, i, payload, sock=None):
    # i counts this instance's actions from 0: its action id is i + 1 (id 0 is @@INIT)
    action = json.dumps({"type": "PERFORM_ACTION", "action": {"type": "todos/todoToggled", "payload": i}, "timestamp": T0 + i}, separators=(",", ":"))
    return {"type": "ACTION", "id": sock or f"sock{s}", "instanceId": f"inst{s}", "name": f"store{s % 4}", "payload": payload, "action": action, "nextActionId": i + 2}


handshake = json.dumps({"t": T0, "dir": "in", "data": json.dumps({"rid": 1, "data": {"id": "bench", "pingTimeout": 30000}})}) + "\n"

with open(os.path.join(out, "replay-100k.jsonl"), "w") as f:
    f.write(handshake)
    payloads = [json.dumps(state(s, 8), separators=(",", ":")) for s in range(8)]
    for s in range(8):
        f.write(frame(T0, {"type": "START", "id": f"sock{s}", "instanceId": f"inst{s}", "name": f"store{s % 4}"}))
    for i in range(100_000):
        s = i % 8
        f.write(frame(T0 + i, action_msg(s, i // 8, payloads[s])))

with open(os.path.join(out, "instances-10k.jsonl"), "w") as f:
    f.write(handshake)
    small = json.dumps(state(0, 2), separators=(",", ":"))
    for s in range(10_000):
        sock = f"sock{s}"
        f.write(frame(T0 + s, {"type": "START", "id": sock, "instanceId": f"inst{s}", "name": f"app{s % 50}"}))
        for i in range(2):
            f.write(frame(T0 + s, action_msg(s, i, small, sock)))
        if s % 2:
            f.write(frame(T0 + s, {"type": "DISCONNECTED", "id": sock}))

with open(os.path.join(out, "big-state-50mb.jsonl"), "w") as f:
    f.write(handshake)
    st = state(1, 50 * 1024 * 1024 // 60)
    lifted = json.dumps({"actionsById": {}, "computedStates": [{"state": st}], "currentStateIndex": 0, "nextActionId": 1, "stagedActionIds": [0]}, separators=(",", ":"))
    f.write(frame(T0, {"type": "STATE", "id": "sockbig", "instanceId": "big0", "name": "big", "payload": lifted}))
    print(f"big state payload: {len(lifted) / 1e6:.1f} MB")

for name in sorted(os.listdir(out)):
    print(f"{name}: {os.path.getsize(os.path.join(out, name)) / 1e6:.1f} MB")

# Issue 13's hostile shape: 200 small ACTIONs whose state chains jsan
# references, each level pointing twice at the one before (2^40 nodes if
# expanded without a bound).
with open(os.path.join(out, "hostile-jsan-200.jsonl"), "w") as f:
    f.write(handshake)
    f.write(frame(T0, {"type": "START", "id": "sh", "instanceId": "hostile", "name": "hostile"}))
    chained = {"l0": {"items": list(range(20))}}
    for lvl in range(1, 40):
        ref = f"$.l{lvl - 1}"
        chained[f"l{lvl}"] = {"x": {"$jsan": ref}, "y": {"$jsan": ref}}
    payload = json.dumps(chained, separators=(",", ":"))
    for i in range(200):
        act = json.dumps({"type": "PERFORM_ACTION", "action": {"type": "tick", "n": i}, "timestamp": T0 + i}, separators=(",", ":"))
        f.write(frame(T0 + i, {"type": "ACTION", "id": "sh", "instanceId": "hostile", "name": "hostile", "payload": payload, "action": act, "nextActionId": i + 2}))

# Hours without growth, replayed: 1,000,000 actions from tabs that reload
# every 2,000 actions (a new instance each time: 500 instances come and go).
with open(os.path.join(out, "replay-1m.jsonl"), "w") as f:
    f.write(handshake)
    tabs = 5
    small = json.dumps(state(0, 1), separators=(",", ":"))
    inst = [0] * tabs
    nxt = [1] * tabs
    gen_n = 0
    for t in range(tabs):
        f.write(frame(T0, {"type": "START", "id": f"s{t}-0", "instanceId": f"t{t}-0", "name": f"tab{t}"}))
    for i in range(1_000_000):
        t = i % tabs
        if nxt[t] > 2000:
            f.write(frame(T0 + i, {"type": "DISCONNECTED", "id": f"s{t}-{inst[t]}"}))
            inst[t] += 1
            nxt[t] = 1
            f.write(frame(T0 + i, {"type": "START", "id": f"s{t}-{inst[t]}", "instanceId": f"t{t}-{inst[t]}", "name": f"tab{t}"}))
        act = json.dumps({"type": "PERFORM_ACTION", "action": {"type": "counter/incremented"}, "timestamp": T0 + i}, separators=(",", ":"))
        payload = json.dumps({"counter": {"value": nxt[t]}}, separators=(",", ":"))
        f.write(frame(T0 + i, {"type": "ACTION", "id": f"s{t}-{inst[t]}", "instanceId": f"t{t}-{inst[t]}", "name": f"tab{t}", "payload": payload, "action": act, "nextActionId": nxt[t] + 1}))
        nxt[t] += 1

# Issue 18's hostile classes, each beside a plain message of the same size:
# one START and one ACTION whose payload (the state) is the hostile value.
def quote_flat(s):
    """A JSON string literal writing \\ and " as \\u005c and \\u0022: a tag
    nested k deep then costs O(k^2) bytes, not O(2^k)."""
    return '"' + s.replace("\\", "\\u005c").replace('"', "\\u0022") + '"'


def nested_tags(levels, inside):
    """As rdx::relay::jsan::hostile::nested_tags: each tag's value 120 arrays deep."""
    text = inside
    o, c = "[" * 120, "]" * 120
    for i in range(levels):
        inner = f"l[{o}{text}{c}]" if i % 2 == 0 else f'm[["k",{o}{text}{c}]]'
        text = '{"$jsan":' + quote_flat(inner) + "}"
    return text


def hostile_values(root):
    """Each class as JSON text, its references written from `root` ("$" for
    a state, "$.action.v" for the value inside an action)."""
    key = "k" * (256 * 1024)
    chained = {"l0": {"items": list(range(20))}}
    for lvl in range(1, 40):
        ref = {"$jsan": f"{root}.l{lvl - 1}"}
        chained[f"l{lvl}"] = {"x": ref, "y": ref}
    c = lambda v: json.dumps(v, separators=(",", ":"))
    yield "nested-tags", '{"t":' + nested_tags(300, "1") + "}"
    yield "big-string-refs", c({"big": "x" * (1 << 19), "refs": [{"$jsan": f"{root}.big"}] * 2000})
    yield "long-path-copies", c({key: 1, "t": {"r": {"$jsan": f"{root}.{key}"}}, "c": [{"$jsan": f"{root}.t"}] * 2000})
    yield "fan-out", c(dict(chained, pad="p" * (1 << 19)))


def plain_value(size):
    return json.dumps(state(0, max(1, size // 60)), separators=(",", ":"))


def one_action(name, payload, value):
    """START, then one ACTION carrying `value` (JSON text) as its action's
    `v` and `payload` as its state."""
    action = '{"type":"PERFORM_ACTION","action":{"type":"hostile","v":' + value + '},"timestamp":' + str(T0) + "}"
    msg = {"type": "ACTION", "id": "s", "instanceId": name, "name": name, "payload": payload, "action": action, "nextActionId": 2}
    with open(os.path.join(out, f"hostile-{name}.jsonl"), "w") as f:
        f.write(handshake)
        f.write(frame(T0, {"type": "START", "id": "s", "instanceId": name, "name": name}))
        f.write(frame(T0 + 1, msg))


sizes = {}
for (name, state_text), (_, action_text) in zip(hostile_values("$"), hostile_values("$.action.v")):
    one_action(name, state_text, action_text)
    size = os.path.getsize(os.path.join(out, f"hostile-{name}.jsonl"))
    # the plain message's file as big as the hostile one's (escapes differ)
    guess = len(state_text)
    for _ in range(3):
        one_action(f"{name}-plain", plain_value(guess), plain_value(guess))
        got = os.path.getsize(os.path.join(out, f"hostile-{name}-plain.jsonl"))
        guess = int(guess * size / got)
    sizes[name] = size
with open(os.path.join(out, "hostile-sizes.json"), "w") as f:
    json.dump(sizes, f)
