// Real Redux Toolkit stores streaming to the server through @redux-devtools/remote.
//   node app.js --port N --store NAME [--store NAME ...]
//               [--actions K] [--interval MS] [--stdin-control] [--exit-after-done]
//               [--fast-reconnect]
// --fast-reconnect: the stores' sockets retry every 100-500 ms after a lost
// link (socketcluster-client's default waits 10-20 s), for restart tests.
// Without --stdin-control: dispatches K actions per store (alternating
// counter/incremented and todos/todoAdded), one every MS ms.
// With --stdin-control: reads commands from stdin, one per line:
//   dispatch NAME TYPE [JSON payload]   (NAME may be * for every store)
//   final                                print every store's state
//   quit
// Output (stdout, one JSON object per line):
//   {"store":NAME,"index":i,"type":TYPE,"counter":VALUE}   after each dispatch
//   {"store":NAME,"final":STATE}                            on `final` / when done
'use strict';
const readline = require('readline');

const argv = process.argv.slice(2);
function arg(name, def) {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
}
const names = argv.flatMap((a, i) => (a === '--store' ? [argv[i + 1]] : []));
const port = Number(arg('--port'));
const actions = Number(arg('--actions', '5'));
const interval = Number(arg('--interval', '50'));
const maxSeconds = Number(arg('--max-seconds', '600'));
const stdinControl = argv.includes('--stdin-control');
const exitAfterDone = argv.includes('--exit-after-done');
if (argv.includes('--fast-reconnect')) {
  // @redux-devtools/remote creates its socket with socketcluster-client's
  // create(); wrap it (before remote is loaded) to shorten the retry delay.
  const scc = require('socketcluster-client');
  const create = scc.create;
  scc.create = (options) =>
    create({ ...options, autoReconnectOptions: { initialDelay: 100, randomness: 100, multiplier: 1.5, maxDelay: 500 } });
}

setTimeout(() => {
  console.error(`app.js: watchdog: still running after ${maxSeconds}s`);
  process.exit(2);
}, maxSeconds * 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

(async () => {
  const { configureStore, createSlice } = await import('@reduxjs/toolkit');
  const { devToolsEnhancer } = await import('@redux-devtools/remote');
  const counter = createSlice({
    name: 'counter',
    initialState: { value: 0 },
    reducers: {
      incremented: (s) => { s.value += 1; },
      set: (s, a) => { s.value = a.payload; },
    },
  });
  const todos = createSlice({
    name: 'todos',
    initialState: [],
    reducers: { todoAdded: (s, a) => { s.push(a.payload); } },
  });
  const stores = names.map((name) => ({
    name,
    store: configureStore({
      reducer: { counter: counter.reducer, todos: todos.reducer },
      devTools: false,
      enhancers: (getDefault) =>
        getDefault().concat(
          devToolsEnhancer({ realtime: true, hostname: '127.0.0.1', port, name, suppressConnectErrors: true }),
        ),
    }),
    index: 0,
  }));

  function dispatch(entry, type, payload) {
    const action = payload === undefined ? { type } : { type, payload };
    entry.store.dispatch(action);
    out({ store: entry.name, index: entry.index++, type, counter: entry.store.getState().counter.value });
  }
  const finals = () => stores.forEach((e) => out({ store: e.name, final: e.store.getState() }));

  if (stdinControl) {
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      const [cmd, name, type, ...rest] = line.trim().split(' ');
      if (cmd === 'dispatch') {
        const payload = rest.length ? JSON.parse(rest.join(' ')) : undefined;
        for (const e of stores) if (name === '*' || e.name === name) dispatch(e, type, payload);
      } else if (cmd === 'final') {
        finals();
      } else if (cmd === 'quit') {
        process.exit(0);
      }
    });
    rl.on('close', () => process.exit(0));
    return;
  }
  for (let i = 0; i < actions; i++) {
    await new Promise((r) => setTimeout(r, interval));
    for (const e of stores) {
      if (i % 2 === 0) dispatch(e, 'counter/incremented');
      else dispatch(e, 'todos/todoAdded', { id: i, text: `todo #${i}` });
    }
  }
  finals();
  if (exitAfterDone) process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
