// A Node stand-in for an Expo app (shared/EXPO.md §6): real Redux Toolkit
// stores with the real redux-devtools-expo-dev-plugin enhancer, talking to
// the Expo CLI dev server through the real @expo/devtools client (a
// "browser"-sender client, like an Expo web build). Bundled by esbuild into
// dist/standin.mjs (`make e2e-deps`); run it with
//   node --experimental-websocket dist/standin.mjs --port P --name NAME
//        [--name NAME2 ...] [--stores N] [--host H] [--max-seconds S]
// --name (repeatable) names the stores; --stores N makes N stores, named
// after the --name list in turn (one --name: N stores of that app).
// All stores of the process share one plugin client and one WebSocket, as
// the stores of one page do.
//
// Prints one JSON line per event on stdout:
//   {"ready":true,"instance":ID,"stores":[{store,index,instance,id}]}
//       once every store's START went out on an open socket
//   {"store":NAME,"index":i,"instance":ID,"id":ID,"n":k,"type":TYPE,"state":S}
//       after each dispatch (n: the store's k-th dispatch, from 0)
//   {"socket":"open"|"closed","opens":n,"closes":n}
//       its WebSocket opened or closed (the dev server went away, came back)
//   {"respond":TYPE}       a `respond` message of the plugin reached the socket
//                          (a monitor's START, UPDATE, STOP...)
//   {"cmd":C,...}          the reply to status/reload/unknown commands
// and reads commands on stdin, one per line:
//   dispatch TYPE [JSON]             dispatch {type, payload} in store 0
//   dispatch-to STORE TYPE [JSON]    STORE: an index, a name, or * (every store)
//   reload    a page reload: the plugin client is closed (its WebSocket too),
//             the stores dropped, new ones made (new id and instanceId) and a
//             new client and WebSocket opened, in this same process; replies
//             {"cmd":"reload","old_instance":..,"instance":..,"stores":[..]}
//             once the new STARTs went out
//   status    {"cmd":"status","opens":..,"closes":..,"sent":{TYPE:count},"respond":{TYPE:count}}
//   quit
// The end of stdin, SIGTERM and SIGINT end it too; --max-seconds (default
// 600) is its watchdog.
import { probe } from './shim.mjs';
import readline from 'node:readline';
import { configureStore, createSlice } from '@reduxjs/toolkit';
import devToolsEnhancer from 'redux-devtools-expo-dev-plugin';
import { getDevToolsPluginClientAsync } from 'expo/devtools';

const PLUGIN = 'redux-devtools-expo-dev-plugin';
const argv = process.argv.slice(2);
function arg(name, def) {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
}
const names = argv.flatMap((a, i) => (a === '--name' ? [argv[i + 1]] : []));
if (names.length === 0) names.push('expo-standin');
const count = Number(arg('--stores', String(names.length)));
const maxSeconds = Number(arg('--max-seconds', '600'));

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const log = (m) => process.stderr.write(`standin: ${m}\n`);

setTimeout(() => {
  log(`watchdog: still running after ${maxSeconds}s`);
  process.exit(2);
}, maxSeconds * 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

// --- what goes over the socket --------------------------------------------
const sentCounts = {};
const respondCounts = {};
let startWaiters = []; // resolved with the next START sent
probe.onSent.push((data) => {
  if (typeof data !== 'string') return;
  let f;
  try {
    f = JSON.parse(data);
  } catch {
    return;
  }
  if (!f.messageKey || f.messageKey.pluginName !== PLUGIN || f.messageKey.method !== 'log') return;
  const m = f.payload || {};
  sentCounts[m.type] = (sentCounts[m.type] || 0) + 1;
  if (m.type === 'START') {
    const waiters = startWaiters;
    startWaiters = [];
    for (const w of waiters) w(m);
  }
});
probe.onReceived.push((data) => {
  if (typeof data !== 'string') return;
  let f;
  try {
    f = JSON.parse(data);
  } catch {
    return;
  }
  if (!f.messageKey || f.messageKey.pluginName !== PLUGIN || f.messageKey.method !== 'respond') return;
  const t = f.payload && f.payload.type;
  respondCounts[t] = (respondCounts[t] || 0) + 1;
  out({ respond: t });
});
probe.onOpen.push(() => out({ socket: 'open', opens: probe.opens, closes: probe.closes }));
probe.onClose.push(() => out({ socket: 'closed', opens: probe.opens, closes: probe.closes }));
const nextStart = () => new Promise((resolve) => startWaiters.push(resolve));

// --- the app ----------------------------------------------------------------
const counter = createSlice({
  name: 'counter',
  initialState: { value: 0 },
  reducers: {
    increment: (s) => {
      s.value += 1;
    },
    incrementByAmount: (s, a) => {
      s.value += a.payload;
    },
  },
});
const cart = createSlice({
  name: 'cart',
  initialState: { count: 0, items: [] },
  reducers: {
    itemAdded: (s, a) => {
      s.items.push(a.payload);
      s.count = s.items.length;
    },
  },
});

// One store, created the way the plugin's README says; resolves once its
// START went out (the stores are made one after another, so each START is
// the new store's).
async function makeStore(index) {
  const name = names[index % names.length];
  const started = nextStart();
  const store = configureStore({
    reducer: { counter: counter.reducer, cart: cart.reducer },
    devTools: false,
    enhancers: (getDefault) => getDefault().concat(devToolsEnhancer({ name })),
  });
  const m = await started;
  return { name, index, store, instance: m.instanceId, id: m.id, n: 0 };
}

let stores = [];
async function makeStores() {
  const made = [];
  for (let i = 0; i < count; i++) made.push(await makeStore(i));
  return made;
}
const describe = (list) => list.map(({ name, index, instance, id }) => ({ store: name, index, instance, id }));

function dispatch(entry, type, payload) {
  entry.store.dispatch(payload === undefined ? { type } : { type, payload });
  out({
    store: entry.name,
    index: entry.index,
    instance: entry.instance,
    id: entry.id,
    n: entry.n++,
    type,
    state: entry.store.getState(),
  });
}

function pick(sel) {
  if (sel === '*') return stores;
  if (/^\d+$/.test(sel)) return stores.filter((s) => s.index === Number(sel));
  return stores.filter((s) => s.name === sel);
}

async function reload() {
  const old = stores;
  stores = [];
  const client = await getDevToolsPluginClientAsync(PLUGIN);
  await client.closeAsync(); // the page goes away: its socket closes
  const made = await makeStores();
  stores = made;
  return {
    old_instance: old[0] && old[0].instance,
    instance: made[0].instance,
    old_stores: describe(old),
    stores: describe(made),
  };
}

const commands = {
  dispatch(type, ...rest) {
    if (!type) throw new Error('usage: dispatch TYPE [JSON]');
    dispatch(stores[0], type, rest.length ? JSON.parse(rest.join(' ')) : undefined);
  },
  'dispatch-to'(sel, type, ...rest) {
    if (!sel || !type) throw new Error('usage: dispatch-to STORE TYPE [JSON]');
    const targets = pick(sel);
    if (!targets.length) throw new Error(`no store ${sel}`);
    const payload = rest.length ? JSON.parse(rest.join(' ')) : undefined;
    for (const e of targets) dispatch(e, type, payload);
  },
  async reload() {
    out({ cmd: 'reload', ...(await reload()) });
  },
  status() {
    out({ cmd: 'status', opens: probe.opens, closes: probe.closes, sent: sentCounts, respond: respondCounts, stores: describe(stores) });
  },
  quit() {
    process.exit(0);
  },
};

(async () => {
  stores = await makeStores();
  out({ ready: true, instance: stores[0].instance, stores: describe(stores) });
  let queue = Promise.resolve();
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const [cmd, ...words] = line.trim().split(/\s+/);
    if (!cmd) return;
    queue = queue.then(async () => {
      const f = commands[cmd];
      try {
        if (!f) throw new Error(`unknown command ${cmd}`);
        await f(...words);
      } catch (e) {
        out({ cmd, error: String((e && e.message) || e) });
      }
    });
  });
  rl.on('close', () => {
    queue = queue.then(() => process.exit(0));
  });
})().catch((e) => {
  log(String((e && e.stack) || e));
  process.exit(1);
});
