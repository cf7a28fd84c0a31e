// One Redux 4 store streaming through remote-redux-devtools 0.5.16 (the old
// app client: SocketCluster client 14, protocol v1, no instanceId). It
// supports one store per process.
//   node legacy-app.js --port N --store NAME [--actions K] [--interval MS] [--stdin-control]
// stdout: {"store":NAME,"index":i,"type":TYPE,"counter":V} per dispatch.
'use strict';
const readline = require('readline');
const { createStore } = require('redux');
const devToolsEnhancer = require('remote-redux-devtools').default;

const argv = process.argv.slice(2);
const arg = (n, d) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : d);
const port = Number(arg('--port'));
const name = arg('--store', 'legacy');
const actions = Number(arg('--actions', '5'));
const interval = Number(arg('--interval', '100'));
setTimeout(() => process.exit(2), Number(arg('--max-seconds', '600')) * 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

function reducer(state = { count: 0, todos: [] }, action) {
  switch (action.type) {
    case 'counter/increment':
      return { ...state, count: state.count + 1 };
    case 'todos/add':
      return { ...state, todos: [...state.todos, { id: state.todos.length + 1, text: action.text }] };
    default:
      return state;
  }
}
const store = createStore(reducer, devToolsEnhancer({ realtime: true, hostname: '127.0.0.1', port, name, suppressConnectErrors: true }));
let index = 0;
function dispatch(type) {
  store.dispatch(type === 'todos/add' ? { type, text: `todo #${index}` } : { type });
  process.stdout.write(JSON.stringify({ store: name, index: index++, type, counter: store.getState().count }) + '\n');
}
if (argv.includes('--stdin-control')) {
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    const [cmd, type] = line.trim().split(' ');
    if (cmd === 'dispatch') dispatch(type);
    if (cmd === 'quit') process.exit(0);
  });
} else {
  let i = 0;
  const timer = setInterval(() => {
    dispatch(i % 2 === 0 ? 'counter/increment' : 'todos/add');
    if (++i >= actions) clearInterval(timer);
  }, interval);
}
