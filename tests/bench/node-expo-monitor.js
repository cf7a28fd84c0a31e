// The Node baseline on the Expo source: a plain `ws` client (the package
// socketcluster-client itself runs on, so the same WebSocket code as
// node-monitor.js) on the dev server's plugin socket, silent (it leaves the
// `respond START` to rdx), parsing each frame with JSON.parse and, for the
// Redux plugin's `log` frames, each message's payload and action as
// node-monitor.js does.
//   node node-expo-monitor.js --port N --count N [--max-seconds S]
// stdout: {"connected":true} when the socket is open, {"done":N,"bytes":B}
// after N ACTIONs.
'use strict';
const WebSocket = require('ws');

const argv = process.argv.slice(2);
const arg = (n, d) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : d);
const port = Number(arg('--port'));
const want = Number(arg('--count', '0'));
setTimeout(() => process.exit(2), Number(arg('--max-seconds', '300')) * 1000).unref();

const PLUGIN = 'redux-devtools-expo-dev-plugin';
const ws = new WebSocket(`ws://127.0.0.1:${port}/expo-dev-plugins/broadcast`, { perMessageDeflate: false });
let actions = 0;
let bytes = 0;
ws.on('open', () => process.stdout.write('{"connected":true}\n'));
ws.on('error', (e) => {
  console.error(e);
  process.exit(1);
});
ws.on('close', () => process.exit(1));
ws.on('message', (data, isBinary) => {
  if (isBinary) return;
  let f;
  try {
    f = JSON.parse(data.toString());
  } catch (_) {
    return;
  }
  const k = f && f.messageKey;
  if (!k || k.pluginName !== PLUGIN || k.method !== 'log' || !f.payload) return;
  const m = f.payload;
  if (typeof m.payload === 'string') bytes += JSON.stringify(JSON.parse(m.payload)).length;
  if (typeof m.action === 'string') bytes += JSON.stringify(JSON.parse(m.action)).length;
  if (m.type === 'ACTION' && ++actions >= want && want > 0) {
    process.stdout.write(JSON.stringify({ done: actions, bytes }) + '\n');
    process.exit(0);
  }
});
