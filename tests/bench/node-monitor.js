// The Node baseline: a monitor on socketcluster-client 20 (what the official
// monitor app uses), subscribed to `log`, parsing each message's payload and
// action with JSON.parse.
//   node node-monitor.js --port N [--count N] [--exit-after-subscribe]
//                        [--idle-exit MS]
// stdout: {"subscribed":true} when subscribed, {"done":N} after N ACTIONs.
// With --idle-exit MS (and no --count): once ACTIONs have come, exits MS ms
// after the last message, printing {"done":N,"bytes":B,"per_instance":{id:n}}
// (what it received, per instanceId) — used by the bench's cut-link flood.
'use strict';
const { create } = require('socketcluster-client');

const argv = process.argv.slice(2);
const arg = (n, d) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : d);
const port = Number(arg('--port'));
const want = Number(arg('--count', '0'));
const exitAfterSubscribe = argv.includes('--exit-after-subscribe');
const idleExit = Number(arg('--idle-exit', '0'));
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
  const perInstance = {};
  let idle = null;
  const done = () => {
    process.stdout.write(JSON.stringify({ done: actions, bytes, per_instance: perInstance }) + '\n');
    process.exit(0);
  };
  for await (const msg of channel) {
    if (idleExit > 0) {
      const im = msg && msg.data && !msg.type ? msg.data : msg;
      if (im && im.type === 'ACTION') perInstance[im.instanceId] = (perInstance[im.instanceId] || 0) + 1;
      if (idle || (im && im.type === 'ACTION')) {
        clearTimeout(idle);
        idle = setTimeout(done, idleExit);
      }
    }
    const m = msg && msg.data && !msg.type ? msg.data : msg;
    if (typeof m.payload === 'string') bytes += JSON.stringify(JSON.parse(m.payload)).length;
    if (typeof m.action === 'string') bytes += JSON.stringify(JSON.parse(m.action)).length;
    if (m.type === 'ACTION' && ++actions >= want && want > 0) {
      process.stdout.write(JSON.stringify({ done: actions, bytes }) + '\n');
      process.exit(0);
    }
  }
})();
