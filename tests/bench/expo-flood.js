// The Expo flood: S stores of redux-devtools-expo-dev-plugin, as the plugin
// talks (shared/EXPO.md §2.1, §4), on the Expo dev server's plugin socket
// ws://127.0.0.1:PORT/expo-dev-plugins/broadcast. Each store says `log
// START` when it connects; on the first `respond START` from a monitor
// (rdx's, ~0.8 s after it connects) each sends a STATE (its lifted state,
// @@INIT as id 0) and then the flood: ~1 KB ACTIONs, the same messages as
// tests/e2e/flood.js (the same state of 8 todos, the same PERFORM_ACTION),
// ids from 1 per store, each in the plugin's envelope
//   {"messageKey":{"pluginName":"redux-devtools-expo-dev-plugin","method":"log"},
//    "payload":{"type":"ACTION","id":..,"name":..,"instanceId":..,"payload":"<state>",
//               "action":"<PERFORM_ACTION>","isExcess":false,"nextActionId":k+1}}
//   node expo-flood.js --port N --count 20000 [--stores 4]
//                      [--rate R]   (R messages a second in all, the stores in
//                                    turn; else as fast as the socket takes them)
//                      [--sockets shared|each]   (shared: one WebSocket for every
//                         store, as in one JS context (@expo/devtools' backing
//                         store); each: a socket per store, which the relay then
//                         also sends every other store's frames to)
//                      [--linger-ms MS] [--max-seconds S] [--start-limit-ms MS]
// stdout: {"connected":S} when the sockets are open and the STARTs sent;
// {"start_seen":true} on the monitor's respond START; {"sent":N,"bytes":B,
// "seconds":T} once every frame is handed to the kernel.
'use strict';
const WebSocket = require('ws');

const argv = process.argv.slice(2);
const arg = (n, d) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : d);
const port = Number(arg('--port'));
const count = Number(arg('--count', '20000'));
const stores = Number(arg('--stores', '4'));
const rate = Number(arg('--rate', '0'));
const each = arg('--sockets', 'shared') === 'each';
const lingerMs = Number(arg('--linger-ms', '3000'));
const startLimitMs = Number(arg('--start-limit-ms', '15000'));
setTimeout(() => process.exit(2), Number(arg('--max-seconds', '300')) * 1000).unref();

const PLUGIN = 'redux-devtools-expo-dev-plugin';
const URL = `ws://127.0.0.1:${port}/expo-dev-plugins/broadcast`;
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

// flood.js's state, byte for byte
function state(i, n) {
  const todos = [];
  for (let k = 0; k < n; k++) todos.push({ id: k, text: `todo number ${k} of store ${i}`, done: k % 3 === 0 });
  return { counter: { value: i }, todos, user: { name: 'Ada', roles: ['admin', 'dev'] } };
}

const envelope = (payload) => JSON.stringify({ messageKey: { pluginName: PLUGIN, method: 'log' }, payload });

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(URL, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const drained = (ws) =>
  new Promise((resolve) => {
    const check = () => (ws.bufferedAmount === 0 ? resolve() : setTimeout(check, 2));
    check();
  });

(async () => {
  const shared = each ? null : await open();
  const socks = [];
  for (let s = 0; s < stores; s++) socks.push(each ? await open() : shared);
  const all = [...new Set(socks)];
  // the plugin's ids: a random enhancer id and app instance id (here fixed per store)
  const ids = socks.map((_, s) => ({ id: `flood${s}x${process.pid}`, name: `store${s}`, instanceId: `inst${s}` }));
  let started = false;
  const sawStart = new Promise((resolve) => {
    for (const ws of all)
      ws.on('message', (data, isBinary) => {
        if (started || isBinary) return;
        const text = data.toString();
        if (!text.includes('"respond"')) return;
        try {
          const f = JSON.parse(text);
          if (f.messageKey && f.messageKey.pluginName === PLUGIN && f.messageKey.method === 'respond' && f.payload && f.payload.type === 'START') {
            started = true;
            resolve();
          }
        } catch (_) {}
      });
  });
  for (let s = 0; s < stores; s++) socks[s].send(envelope({ type: 'START', ...ids[s] }));
  out({ connected: stores, sockets: all.length });
  const limit = setTimeout(() => {
    process.stderr.write(`expo-flood: no respond START within ${startLimitMs} ms\n`);
    process.exit(3);
  }, startLimitMs);
  await sawStart;
  clearTimeout(limit);
  out({ start_seen: true });

  const payloads = socks.map((_, s) => JSON.stringify(state(s, 8)));
  const t0 = process.hrtime.bigint();
  // The answer to START: the lifted state, @@INIT as id 0 (sample 4).
  for (let s = 0; s < stores; s++) {
    const lifted = {
      monitorState: {},
      actionsById: { 0: { type: 'PERFORM_ACTION', action: { type: '@@INIT' }, timestamp: 1795520108713 } },
      nextActionId: 1,
      stagedActionIds: [0],
      skippedActionIds: [],
      currentStateIndex: 0,
      computedStates: [{ state: state(s, 8) }],
      isLocked: false,
      isPaused: false,
    };
    socks[s].send(envelope({ type: 'STATE', ...ids[s], payload: JSON.stringify(lifted) }));
  }
  const next = socks.map(() => 1);
  let sent = 0;
  const message = (s) => {
    const i = next[s]++;
    const action = JSON.stringify({ type: 'PERFORM_ACTION', action: { type: 'todos/todoToggled', payload: i }, timestamp: 1795520108713 + i });
    socks[s].send(envelope({ type: 'ACTION', ...ids[s], payload: payloads[s], action, isExcess: false, nextActionId: i + 1 }));
    sent++;
  };
  if (rate > 0) {
    // as flood.js --rate: every millisecond or so, what is due by now
    while (sent < count) {
      const due = Math.min(count, Math.floor((Number(process.hrtime.bigint() - t0) / 1e9) * rate));
      while (sent < due) message(sent % stores);
      await new Promise((r) => setTimeout(r, 1));
    }
  } else {
    while (sent < count) {
      message(sent % stores);
      if (sent % 100 === 0) {
        // the socket takes them: wait while more than ~1 MB is queued
        for (const ws of all) while (ws.bufferedAmount > 1 << 20) await new Promise((r) => setTimeout(r, 1));
        await new Promise((r) => setImmediate(r));
      }
    }
  }
  for (const ws of all) await drained(ws);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  out({ sent, bytes: payloads[0].length, seconds: secs });
  setTimeout(() => process.exit(0), lingerMs);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
