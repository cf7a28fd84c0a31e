// The Node baseline: a monitor on socketcluster-client 20 (what the official
// monitor app uses), subscribed to `log`, parsing each message's payload and
// action with JSON.parse.
//   node node-monitor.js --port N [--count N] [--exit-after-subscribe]
// stdout: {"subscribed":true} when subscribed, {"done":N} after N ACTIONs.
'use strict';
const { create } = require('socketcluster-client');

const argv = process.argv.slice(2);
const arg = (n, d) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : d);
const port = Number(arg('--port'));
const want = Number(arg('--count', '0'));
const exitAfterSubscribe = argv.includes('--exit-after-subscribe');
setTimeout(() => process.exit(2), Number(arg('--max-seconds', '300')) * 1000).unref();

const socket = create({ hostname: '127.0.0.1', port, autoReconnect: false });
(async () => {
  const channel = socket.subscribe('log');
  await channel.listener('subscribe').once();
  socket.transmit('respond', { type: 'START' });
  process.stdout.write('{"subscribed":true}\n');
  if (exitAfterSubscribe) process.exit(0);
  let actions = 0;
  let bytes = 0;
  for await (const msg of channel) {
    const m = msg && msg.data && !msg.type ? msg.data : msg;
    if (typeof m.payload === 'string') bytes += JSON.stringify(JSON.parse(m.payload)).length;
    if (typeof m.action === 'string') bytes += JSON.stringify(JSON.parse(m.action)).length;
    if (m.type === 'ACTION' && ++actions >= want && want > 0) {
      process.stdout.write(JSON.stringify({ done: actions, bytes }) + '\n');
      process.exit(0);
    }
  }
})();
