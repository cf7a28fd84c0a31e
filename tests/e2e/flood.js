// The flood: S "stores" (sockets logged in as apps) transmit pre-serialized
// ~1 KB ACTION messages on `log`, as @redux-devtools/remote does, as fast as
// the server takes them. With --big MB: one STATE of that size instead.
//   node flood.js --port N --count 20000 [--stores 4] [--big 50]
//                 [--pause-every K --pause-ms MS]   (a breath every K messages)
//                 [--rate R [--seconds S]]   (R messages a second in all,
//                    spread over the stores in turn; --seconds S sends R*S)
//                 [--linger-ms MS]   (the sockets stay open MS ms after, 3000)
// Used by `make bench` (the live flood) and the end-to-end accounting test.
// Prints {"sent":N,"bytes":B} when done (paced: {"logged_in":S} first, and
// the seconds the sending took).
'use strict';
const { create } = require('socketcluster-client');
const argv = process.argv.slice(2);
const arg = (n, d) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : d);
const port = Number(arg('--port'));
const stores = Number(arg('--stores', '4'));
const bigMb = Number(arg('--big', '0'));
const pauseEvery = Number(arg('--pause-every', '0'));
const pauseMs = Number(arg('--pause-ms', '0'));
const rate = Number(arg('--rate', '0'));
const seconds = Number(arg('--seconds', '0'));
const count = rate > 0 && seconds > 0 && argv.indexOf('--count') < 0 ? Math.round(rate * seconds) : Number(arg('--count', '20000'));
const lingerMs = Number(arg('--linger-ms', '3000'));
setTimeout(() => process.exit(2), Number(arg('--max-seconds', '300')) * 1000).unref();

function state(i, n) {
  const todos = [];
  for (let k = 0; k < n; k++) todos.push({ id: k, text: `todo number ${k} of store ${i}`, done: k % 3 === 0 });
  return { counter: { value: i }, todos, user: { name: 'Ada', roles: ['admin', 'dev'] } };
}

(async () => {
  const sockets = [];
  for (let s = 0; s < stores; s++) {
    const socket = create({ hostname: '127.0.0.1', port, autoReconnect: false });
    await socket.invoke('login', 'master');
    sockets.push(socket);
  }
  if (bigMb > 0) {
    // about bigMb MB of lifted state
    const per = 60; // bytes per todo, roughly
    const st = state(1, Math.floor((bigMb * 1024 * 1024) / per));
    const payload = JSON.stringify({ actionsById: {}, computedStates: [{ state: st }], currentStateIndex: 0, nextActionId: 1, stagedActionIds: [0] });
    sockets[0].transmit('log', { type: 'STATE', id: sockets[0].id, instanceId: 'big0', name: 'big', payload });
    process.stdout.write(JSON.stringify({ sent: 1, bytes: payload.length }) + '\n');
    setTimeout(() => process.exit(0), 3000);
    return;
  }
  // ~1 KB per message: a small state and a PERFORM_ACTION wrapper.
  const payloads = sockets.map((_, s) => JSON.stringify(state(s, 8)));
  let sent = 0;
  const message = (s, i) => {
    const action = JSON.stringify({ type: 'PERFORM_ACTION', action: { type: 'todos/todoToggled', payload: i }, timestamp: 1795520108713 + i });
    sockets[s].transmit('log', { type: 'ACTION', id: sockets[s].id, instanceId: `inst${s}`, name: `store${s}`, payload: payloads[s], action, nextActionId: i + 1 });
    sent++;
  };
  if (rate > 0) {
    // Paced: every millisecond or so, what is due by now (rate × time since
    // the start), the stores in turn, each with its own action ids from 1
    // as an app's (its id 0 is @@INIT, which rdx's --history and ui count
    // as already there).
    process.stdout.write(JSON.stringify({ logged_in: stores }) + '\n');
    const next = sockets.map(() => 1);
    const t0 = process.hrtime.bigint();
    while (sent < count) {
      const due = Math.min(count, Math.floor((Number(process.hrtime.bigint() - t0) / 1e9) * rate));
      while (sent < due) {
        const s = sent % stores;
        message(s, next[s]++);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(JSON.stringify({ sent, bytes: payloads[0].length, seconds: secs }) + '\n');
    setTimeout(() => process.exit(0), lingerMs);
    return;
  }
  for (let i = 0; sent < count; i++) {
    for (let s = 0; s < stores && sent < count; s++) message(s, i);
    if (pauseEvery && i % pauseEvery === 0) await new Promise((r) => setTimeout(r, pauseMs));
    else if (i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  process.stdout.write(JSON.stringify({ sent, bytes: payloads[0].length }) + '\n');
  setTimeout(() => process.exit(0), lingerMs);
})().catch((e) => { console.error(e); process.exit(1); });
