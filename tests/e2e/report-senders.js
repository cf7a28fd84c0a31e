// Send reports to a DevTools server with the real clients, the way an app
// does when no monitor watches it (for rdx's `reports` tests).
//   node report-senders.js --port N MODE [ARGS...]
// Modes:
//   remote-send      @redux-devtools/remote 1.0.0, sendOn: 'SEND_NOW'
//                    (name 'reportApp', id 'user-42'): INC, INC, SEND_NOW
//   remote-error     @redux-devtools/remote 1.0.0, sendOnError: 1: INC, INC,
//                    then console.error(new Error('console boom'))
//                    (sendOnError: 2 crashes at createStore in 1.0.0)
//   remotedev-send   redux-remotedev 0.3.0 (ACTIONS), sendOn: 'SEND', with a
//                    title, instanceId, userAgent, version, user: INC, INC, SEND
//   remotedev-error  redux-remotedev 0.3.0, sendOnError: INC, INC, then
//                    console.error(new Error('kaboom')) (no title: the server
//                    takes the exception's message)
//   post BODY...     each BODY POSTed as it is (content-type application/json)
//   post-full        a STATE report with every column the server stores
//   bulk N           N small STATE reports POSTed fast (64 at a time)
// Prints one JSON line per report: {"sender","status","id","sent","reply"}
// (`sent`: the body as parsed JSON, or the raw text when it is not JSON;
// `id`: what the server answered, null when it refused), and for bulk one
// line {"sender":"bulk","ids":[...],"ms":N}. Exits 0 once every POST was
// answered (watchdog: 60 s).
'use strict';

const argv = process.argv.slice(2);
const arg = (n, d) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : d);
const port = Number(arg('--port'));
const rest = argv.filter((a, i) => a !== '--port' && argv[i - 1] !== '--port');
const [mode, ...params] = rest;
const url = `http://127.0.0.1:${port}/`;

setTimeout(() => {
  console.error(`report-senders.js: watchdog: ${mode} still running after 60s`);
  process.exit(2);
}, 60000).unref();

function print(v) {
  process.stdout.write(JSON.stringify(v) + '\n');
}

// Exit once stdout is flushed (a pipe is written asynchronously: a bare
// process.exit() can cut a long line).
function done() {
  process.stdout.write('', () => process.exit(0));
}

// Every POST the clients make, and its answer, printed as it is answered.
let expected = 0;
let answered = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = async (to, init) => {
  const r = await realFetch(to, init);
  const text = await r.clone().text();
  let reply = text;
  try {
    reply = JSON.parse(text);
  } catch (e) {
    // an HTML error page
  }
  let sent = init.body;
  try {
    sent = JSON.parse(init.body);
  } catch (e) {
    // not JSON: sent as it is
  }
  print({
    sender: mode,
    status: r.status,
    id: (reply && reply.id) || null,
    sent,
    reply,
  });
  answered += 1;
  if (expected && answered >= expected) setImmediate(done);
  return r;
};

function counter(state = { n: 0 }, a) {
  if (a.type === 'INC') return { n: state.n + 1 };
  return state;
}

async function remote(opts, last) {
  expected = 1;
  const { createStore } = require('redux');
  const { devToolsEnhancer } = await import('@redux-devtools/remote');
  const store = createStore(
    counter,
    devToolsEnhancer({ realtime: false, hostname: '127.0.0.1', port, ...opts }),
  );
  store.dispatch({ type: 'INC' });
  store.dispatch({ type: 'INC' });
  last(store);
}

function remotedev(opts, last) {
  expected = 1;
  const { createStore } = require('redux');
  const m = require('redux-remotedev');
  const enhancer = m.default || m;
  const store = createStore(
    counter,
    { n: 10 },
    enhancer({
      sendTo: url,
      instanceId: 'rr-inst',
      description: 'user clicked send',
      version: '9.9.9',
      userAgent: 'rdx-e2e-agent/1.0',
      user: { id: 'u7', name: 'ann' },
      ...opts,
    }),
  );
  store.dispatch({ type: 'INC' });
  store.dispatch({ type: 'INC', at: new Date(0) });
  last(store);
}

function post(body) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
}

// A lifted state as @redux-devtools/remote sends it: @@INIT then `types`.
function lifted(types, start = 0) {
  const actionsById = { 0: { type: 'PERFORM_ACTION', action: { type: '@@INIT' }, timestamp: 1 } };
  const computedStates = [{ state: { n: start } }];
  types.forEach((type, i) => {
    actionsById[i + 1] = { type: 'PERFORM_ACTION', action: { type }, timestamp: 2 + i };
    computedStates.push({ state: { n: start + i + 1, last: type } });
  });
  return {
    monitorState: {},
    actionsById,
    nextActionId: types.length + 1,
    stagedActionIds: [...Array(types.length + 1).keys()],
    skippedActionIds: [],
    currentStateIndex: types.length,
    computedStates,
    isLocked: false,
    isPaused: false,
  };
}

async function bulk(n) {
  const started = Date.now();
  const ids = new Array(n);
  let next = 0;
  const payload = JSON.stringify(lifted(['bulk/one']));
  async function worker() {
    while (next < n) {
      const i = next++;
      const r = await realFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'STATE', title: `bulk ${i}`, payload }),
      });
      const reply = await r.json();
      if (!reply.id) throw new Error(`bulk ${i}: ${r.status} ${JSON.stringify(reply)}`);
      ids[i] = reply.id;
    }
  }
  await Promise.all(Array.from({ length: 64 }, worker));
  print({ sender: 'bulk', ids, ms: Date.now() - started });
  done();
}

(async () => {
  switch (mode) {
    case 'remote-send':
      return remote({ sendOn: 'SEND_NOW', name: 'reportApp', id: 'user-42' }, (s) =>
        s.dispatch({ type: 'SEND_NOW' }),
      );
    case 'remote-error':
      return remote({ sendOnError: 1, id: 'my-instance' }, () =>
        console.error(new Error('console boom')),
      );
    case 'remotedev-send':
      return remotedev({ title: 'Report from redux-remotedev', sendOn: 'SEND' }, (s) =>
        s.dispatch({ type: 'SEND' }),
      );
    case 'remotedev-error':
      return remotedev({ sendOnError: true }, () => console.error(new Error('kaboom')));
    case 'post':
      expected = params.length;
      for (const body of params) await post(body);
      return undefined;
    case 'post-full':
      expected = 1;
      await post(
        JSON.stringify({
          type: 'STATE',
          title: 'every column',
          description: 'a report with every column',
          action: 'todos/add',
          payload: JSON.stringify(lifted(['todos/add', 'todos/toggle', 'todos/add'], 5)),
          preloadedState: JSON.stringify({ n: 5 }),
          screenshot: 'data:image/png;base64,iVBORw0KGgo=',
          version: '2.3.4',
          userAgent: 'Mozilla/5.0 (rdx e2e)',
          user: { id: 'u99', name: 'zoe' },
          instanceId: 'full-inst',
          meta: 'meta text',
          exception: { message: 'full boom', stack: 'Error: full boom\n    at full (app.js:1:1)' },
        }),
      );
      return undefined;
    case 'bulk':
      return bulk(Number(params[0]));
    default:
      console.error(`report-senders.js: unknown mode ${mode}`);
      process.exit(64);
  }
  return undefined;
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
