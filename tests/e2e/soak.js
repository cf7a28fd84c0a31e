// Tabs that reload all day, for rdx's soak benchmark: T "tabs" (sockets
// logged in as apps), each streaming ACTIONs with its own action ids, and
// "reloading" every R ms (its socket closes; a new socket with a new
// instanceId says START), together about RATE actions a second.
//   node soak.js --port N [--tabs 5] [--rate 500] [--reload-ms 2000] [--seconds 600]
// Prints {"reloads":N,"actions":M} every 10 s and at the end.
'use strict';
const { create } = require('socketcluster-client');
const argv = process.argv.slice(2);
const arg = (n, d) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : d);
const port = Number(arg('--port'));
const tabs = Number(arg('--tabs', '5'));
const rate = Number(arg('--rate', '500'));
const reloadMs = Number(arg('--reload-ms', '2000'));
const seconds = Number(arg('--seconds', '600'));
setTimeout(() => process.exit(2), (seconds + 60) * 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const payload = JSON.stringify({ counter: { value: 1 }, todos: [{ id: 1, text: 'soak', done: false }] });
let reloads = 0;
let actions = 0;
let serial = 0;

async function open(tab) {
  const socket = create({ hostname: '127.0.0.1', port, autoReconnect: false });
  await socket.invoke('login', 'master');
  const t = { socket, instanceId: `tab${tab}-${serial++}`, next: 1, name: `shop${tab % 2}` };
  socket.transmit('log', { type: 'START', id: socket.id, instanceId: t.instanceId, name: t.name });
  return t;
}

(async () => {
  const live = [];
  for (let i = 0; i < tabs; i++) live.push(await open(i));
  const started = Date.now();
  const perTick = Math.max(1, Math.round((rate * 10) / 1000)); // every 10 ms
  let lastReload = Date.now();
  let lastReport = Date.now();
  while (Date.now() - started < seconds * 1000) {
    for (let k = 0; k < perTick; k++) {
      const t = live[(actions + k) % tabs];
      const action = JSON.stringify({ type: 'PERFORM_ACTION', action: { type: 'soak/tick', payload: t.next }, timestamp: Date.now() });
      t.socket.transmit('log', { type: 'ACTION', id: t.socket.id, instanceId: t.instanceId, name: t.name, payload, action, nextActionId: t.next + 1 });
      t.next += 1;
    }
    actions += perTick;
    if (Date.now() - lastReload >= reloadMs / tabs) {
      // one tab reloads: a new store, a new socket
      lastReload = Date.now();
      const i = reloads % tabs;
      live[i].socket.disconnect();
      live[i] = await open(i);
      reloads += 1;
    }
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      out({ reloads, actions });
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  out({ reloads, actions, done: true });
  setTimeout(() => process.exit(0), 1000);
})().catch((e) => { console.error(e); process.exit(1); });
