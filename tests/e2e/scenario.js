// Scripted Redux apps for the recorded fixtures of SPEC.md "Every action once"
// and "Reloads" (driven by make-fixtures.js, which records them with `rdx record`).
//   node scenario.js --port N --scenario NAME
// NAME: gap-filled | gap-lost | state-repeats | late-app | reload | reload-two-tabs
//
// Real Redux Toolkit stores with @redux-devtools/remote 1.0 (realtime), plus an
// observer: a socketcluster-client socket subscribed to `log` WITHOUT login
// (so its exit silences no app), which the script uses to wait for what the
// monitors see and to play the second monitor that sends UPDATE / START on
// `respond`.
//
// Output (stdout, one JSON object per line):
//   {"ev":"store","store":LABEL,"name":NAME,"instanceId":ID}   a store's first message
//   {"ev":"sent","t":EPOCH_MS,"type":"UPDATE"|"START","frame":RAW} the observer transmitted on respond
//   {"ev":"closed","store":LABEL,"t":EPOCH_MS}                a store's socket was closed (a reload)
//   {"ev":"dispatched","store":LABEL,"type":TYPE,"t":EPOCH_MS}
//   {"ev":"done"}                                              the scenario is over
// After "done" the stores stay connected (so they are still live at the end of
// the recording) until stdin closes, `quit` arrives on stdin, or SIGTERM.
'use strict';
const argv = process.argv.slice(2);
function arg(name, def) {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
}
const port = Number(arg('--port'));
const scenario = arg('--scenario');
const maxSeconds = Number(arg('--max-seconds', '120'));
setTimeout(() => {
  console.error(`scenario.js: watchdog: still running after ${maxSeconds}s`);
  process.exit(2);
}, maxSeconds * 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
// @redux-devtools/remote logs ("connected to remotedev-server") with
// console.log: keep stdout for the events above.
console.log = (...a) => console.error(...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// @redux-devtools/remote creates its socket with socketcluster-client's
// create(), synchronously while the store is created: capture it, so a
// scenario can close one store's socket (what a page unload does) and learn
// the store's instanceId from its first message.
const scc = require('socketcluster-client');
const sccCreate = scc.create;
let capturing = null;
scc.create = (options) => {
  const socket = sccCreate(options);
  const entry = capturing;
  if (entry) {
    entry.socket = socket;
    const transmit = socket.transmit.bind(socket);
    socket.transmit = (event, data, opts) => {
      if (!entry.instanceId && data && data.instanceId) {
        entry.instanceId = data.instanceId;
        out({ ev: 'store', store: entry.label, name: entry.name, instanceId: entry.instanceId });
      }
      return transmit(event, data, opts);
    };
  }
  return socket;
};

// ---------------------------------------------------------------- observer
const seen = []; // every message on log, in order
let waiters = [];
function onLog(msg) {
  const data = msg && msg.data && !msg.type ? msg.data : msg;
  seen.push(data);
  waiters = waiters.filter((w) => !(w.pred(data) && (w.resolve(data), true)));
}
function waitFor(what, pred, ms = 5000) {
  const hit = seen.find(pred);
  if (hit) return Promise.resolve(hit);
  return new Promise((resolve, reject) => {
    const w = { pred, resolve };
    waiters.push(w);
    setTimeout(() => {
      if (waiters.includes(w)) reject(new Error(`scenario.js: timed out waiting for ${what}`));
    }, ms).unref();
  });
}
// Wait for a message that arrives AFTER this call (seen so far is ignored).
function waitNext(what, pred, ms = 5000) {
  const from = seen.length;
  return waitFor(what, (d) => seen.indexOf(d) >= from && pred(d), ms);
}
const actionId = (d) => (d.type === 'ACTION' ? Number(d.nextActionId) - 1 : undefined);
const stagedIds = (d) => JSON.parse(d.payload).stagedActionIds;

let observer;
async function startObserver() {
  observer = sccCreate({ hostname: '127.0.0.1', port, autoReconnect: false });
  await observer.listener('connect').once();
  const channel = observer.subscribe('log');
  await channel.listener('subscribe').once();
  (async () => {
    for await (const msg of channel) onLog(msg);
  })();
}
function transmit(type) {
  const t = Date.now();
  observer.transmit('respond', { type });
  out({ ev: 'sent', t, type, frame: JSON.stringify({ event: 'respond', data: { type } }) });
}

// ---------------------------------------------------------------- stores
let RTK, remote;
async function loadLibs() {
  RTK = await import('@reduxjs/toolkit');
  remote = await import('@redux-devtools/remote');
}

function reducers() {
  const { createSlice } = RTK;
  const counter = createSlice({
    name: 'counter',
    initialState: { value: 0 },
    reducers: { incremented: (s) => { s.value += 1; } },
  });
  const catalog = createSlice({
    name: 'catalog',
    initialState: { status: 'idle', items: [] },
    reducers: {},
    extraReducers: (b) => {
      b.addCase('catalog/load/pending', (s) => { s.status = 'loading'; });
      b.addCase('catalog/load/fulfilled', (s, a) => { s.status = 'ready'; s.items = a.payload; });
    },
  });
  const cart = createSlice({
    name: 'cart',
    initialState: { items: [] },
    reducers: { itemAdded: (s, a) => { s.items.push(a.payload); } },
  });
  const session = createSlice({
    name: 'session',
    initialState: { user: null, pings: 0 },
    reducers: {
      loggedIn: (s, a) => { s.user = a.payload; },
      ping: (s) => { s.pings += 1; },
    },
  });
  return { counter: counter.reducer, catalog: catalog.reducer, cart: cart.reducer, session: session.reducer };
}

// A page load: a new store (new instanceId, new socket) named `name`.
function createStore(label, name, opts = {}) {
  const entry = { label, name, instanceId: null, socket: null, store: null };
  capturing = entry;
  try {
    entry.store = RTK.configureStore({
      reducer: reducers(),
      devTools: false,
      enhancers: (getDefault) =>
        getDefault().concat(
          remote.devToolsEnhancer({
            realtime: true,
            hostname: '127.0.0.1',
            port,
            name,
            suppressConnectErrors: true,
            ...(opts.maxAge ? { maxAge: opts.maxAge } : {}),
          }),
        ),
    });
  } finally {
    capturing = null;
  }
  return entry;
}
function dispatch(entry, type, payload) {
  entry.store.dispatch(payload === undefined ? { type } : { type, payload });
  out({ ev: 'dispatched', store: entry.label, type, t: Date.now(), counter: entry.store.getState().counter.value });
}
// A page's load-time actions: dispatched synchronously right after the store
// is created, before its socket is even connected.
const ITEMS = [
  { sku: 'tea', price: 4 },
  { sku: 'mug', price: 9 },
];
function loadTime(entry) {
  dispatch(entry, 'catalog/load/pending');
  dispatch(entry, 'catalog/load/fulfilled', ITEMS);
}
// The app is monitored once it has answered a START with a STATE.
const isState = (entry) => (d) => d.type === 'STATE' && d.instanceId === entry.instanceId;
const isAction = (entry, id) => (d) => d.instanceId === entry.instanceId && actionId(d) === id;
async function monitored(entry) {
  // The instanceId is known from the store's first transmit (its START).
  const t0 = Date.now();
  while (!entry.instanceId) {
    if (Date.now() - t0 > 5000) throw new Error(`scenario.js: ${entry.label} never connected`);
    await sleep(5);
  }
  await waitFor(`STATE of ${entry.label}`, isState(entry));
}
// Close a store's socket, as a page unload does (the server then publishes
// DISCONNECTED for it on log).
function close(entry) {
  entry.socket.disconnect();
  out({ ev: 'closed', store: entry.label, t: Date.now() });
}
// Dispatch one action every `gap` ms: a type, or [type, payload].
async function steps(entry, actions, gap = 80) {
  for (const a of actions) {
    await sleep(gap);
    if (Array.isArray(a)) dispatch(entry, a[0], a[1]);
    else dispatch(entry, a);
  }
}

// Actions with ids from..to of a store with no load-time actions: an odd id
// increments the counter, an even id adds `sku-<id>` to the cart, so a test
// can tell recovered actions apart.
function mixed(from, to) {
  const a = [];
  for (let id = from; id <= to; id++) a.push(id % 2 ? 'counter/incremented' : ['cart/itemAdded', { sku: `sku-${id}`, qty: 1 }]);
  return a;
}

// ---------------------------------------------------------------- scenarios
const scenarios = {
  // ACTIONs 1..12; the driver deletes ACTIONs 6 and 7. Once ACTION 8 is on
  // log (where a monitor would notice the jump 5 -> 8), the second monitor
  // sends UPDATE; the STATE answering it holds ids 1..8. Then 9..12.
  async 'gap-filled'() {
    const shop = createStore('shop', 'shop');
    await monitored(shop);
    await steps(shop, mixed(1, 8));
    await waitFor('ACTION 8', isAction(shop, 8));
    transmit('UPDATE');
    await waitNext('STATE after UPDATE', isState(shop));
    await sleep(150);
    await steps(shop, mixed(9, 12));
    await waitFor('ACTION 12', isAction(shop, 12));
  },

  // maxAge 5 (the app keeps 4 actions). ACTIONs 1..14; the driver deletes
  // ACTIONs 5..10. On ACTION 11 the second monitor sends UPDATE; the STATE
  // holds stagedActionIds [0,8,9,10,11]: 8..10 recoverable, 5..7 lost.
  async 'gap-lost'() {
    const shop = createStore('shop', 'shop', { maxAge: 5 });
    await monitored(shop);
    await steps(shop, mixed(1, 11));
    await waitFor('ACTION 11', isAction(shop, 11));
    transmit('UPDATE');
    await waitNext('STATE after UPDATE', isState(shop));
    await sleep(150);
    await steps(shop, mixed(12, 14));
    await waitFor('ACTION 14', isAction(shop, 14));
  },

  // ACTIONs 1..5, a second monitor joins (START) -> STATE repeating 1..5,
  // ACTIONs 6..8, the second monitor asks UPDATE -> STATE repeating 1..8,
  // ACTIONs 9..10. Nothing deleted.
  async 'state-repeats'() {
    const shop = createStore('shop', 'shop');
    await monitored(shop);
    await steps(shop, mixed(1, 5));
    await waitFor('ACTION 5', isAction(shop, 5));
    await sleep(100);
    transmit('START');
    await waitNext('STATE after START', isState(shop));
    await sleep(100);
    await steps(shop, mixed(6, 8));
    await waitFor('ACTION 8', isAction(shop, 8));
    await sleep(100);
    transmit('UPDATE');
    await waitNext('STATE after UPDATE', isState(shop));
    await sleep(100);
    await steps(shop, mixed(9, 10));
    await waitFor('ACTION 10', isAction(shop, 10));
  },

  // rdx records first; then a page loads: ids 1..2 (load-time) are dispatched
  // before the socket connects and reach the monitor only in the STATE that
  // answers rdx's re-broadcast START; then ACTIONs 3..5.
  async 'late-app'() {
    await sleep(300);
    const shop = createStore('shop', 'shop');
    loadTime(shop);
    await monitored(shop);
    await sleep(100);
    await steps(shop, ['counter/incremented', ['cart/itemAdded', { sku: 'tea', qty: 1 }], 'counter/incremented']);
    await waitFor('ACTION 5', isAction(shop, 5));
  },

  // admin (stays up) and shop. shop#1: load-time 1..2, ACTIONs 3..6 (counter
  // 1..4); then its socket closes and ~30 ms later shop#2 (a reload: new
  // store, new instanceId) starts: load-time 1..2 in its STATE, ACTIONs 3..7
  // (counter 1..5).
  async reload() {
    const admin = createStore('admin', 'admin');
    dispatch(admin, 'session/loggedIn', 'ops');
    await monitored(admin);
    const shop1 = createStore('shop#1', 'shop');
    loadTime(shop1);
    await monitored(shop1);
    await sleep(100);
    for (let i = 0; i < 4; i++) {
      await sleep(80);
      dispatch(shop1, 'counter/incremented');
      if (i === 1) dispatch(admin, 'session/ping');
    }
    await waitFor('shop#1 ACTION 6', isAction(shop1, 6));
    await sleep(100);
    close(shop1);
    await sleep(30);
    const shop2 = createStore('shop#2', 'shop');
    loadTime(shop2);
    await monitored(shop2);
    await sleep(100);
    for (let i = 0; i < 5; i++) {
      await sleep(80);
      dispatch(shop2, 'counter/incremented');
      if (i === 2) dispatch(admin, 'session/ping');
    }
    await waitFor('shop#2 ACTION 7', isAction(shop2, 7));
  },

  // Two tabs of shop: tab1 (store tab1#1) and tab2. tab1 reloads (store
  // tab1#2, a new instance); tab2 stays. Each tab counts on its own.
  async 'reload-two-tabs'() {
    const a1 = createStore('tab1#1', 'shop');
    loadTime(a1);
    await monitored(a1);
    const b = createStore('tab2', 'shop');
    loadTime(b);
    await monitored(b);
    await sleep(100);
    for (let i = 0; i < 3; i++) {
      await sleep(80);
      dispatch(a1, 'counter/incremented');
      await sleep(40);
      dispatch(b, 'counter/incremented');
    }
    await waitFor('tab2 ACTION 5', isAction(b, 5));
    await sleep(100);
    close(a1);
    await sleep(30);
    const a2 = createStore('tab1#2', 'shop');
    loadTime(a2);
    await monitored(a2);
    await sleep(100);
    for (let i = 0; i < 3; i++) {
      await sleep(80);
      dispatch(a2, 'counter/incremented');
      await sleep(40);
      dispatch(b, 'counter/incremented');
    }
    await waitFor('tab2 ACTION 8', isAction(b, 8));
  },
};

(async () => {
  if (!scenarios[scenario]) {
    console.error(`scenario.js: unknown --scenario ${scenario} (${Object.keys(scenarios).join(', ')})`);
    process.exit(2);
  }
  await loadLibs();
  await startObserver();
  await scenarios[scenario]();
  await sleep(100);
  out({ ev: 'done' });
  process.stdin.on('data', (d) => {
    if (String(d).includes('quit')) process.exit(0);
  });
  process.stdin.on('end', () => process.exit(0));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
