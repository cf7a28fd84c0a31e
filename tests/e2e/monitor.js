// A second monitor, built like the official monitor app on socketcluster-client 20:
//   node monitor.js --port N [--no-restart-on-stop]
// login {}, subscribe to the channel it returns (log), transmit START on respond.
// It re-sends START when an app sends START (a late app) or STOP (another
// monitor quit); --no-restart-on-stop does not re-send on STOP, like the
// official monitor app, so it stays silenced if something makes apps stop.
// Output: {"subscribed":true}, then one line per message on log:
//   {"type":TYPE,"instanceId":...,"name":...,"actionType":...}
'use strict';
const argv = process.argv.slice(2);
function arg(name, def) {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
}
const port = Number(arg('--port'));
const restartOnStop = !argv.includes('--no-restart-on-stop');
const maxSeconds = Number(arg('--max-seconds', '600'));
setTimeout(() => {
  console.error(`monitor.js: watchdog: still running after ${maxSeconds}s`);
  process.exit(2);
}, maxSeconds * 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

let restartTimer = null;
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

function actionType(msg) {
  if (typeof msg.action !== 'string') return undefined;
  try {
    const a = JSON.parse(msg.action);
    return a && a.type === 'PERFORM_ACTION' ? a.action && a.action.type : a && a.type;
  } catch {
    return undefined;
  }
}

(async () => {
  const scc = await import('socketcluster-client');
  const create = scc.create || (scc.default && scc.default.create);
  const socket = create({ hostname: '127.0.0.1', port, autoReconnect: true });
  for await (const _ of socket.listener('connect')) {
    const channelName = await socket.invoke('login', {});
    const channel = socket.subscribe(channelName);
    await channel.listener('subscribe').once();
    socket.transmit('respond', { type: 'START' });
    out({ subscribed: true, channel: channelName });
    (async () => {
      for await (const msg of channel) {
        const data = msg && msg.data && !msg.type ? msg.data : msg;
        out({ type: data.type, instanceId: data.instanceId, name: data.name, actionType: actionType(data) });
        if (data.type === 'START' || (restartOnStop && data.type === 'STOP')) {
          // Debounced, and late enough for a new app to have subscribed to
          // `respond` (it sends START before its subscription is done).
          if (!restartTimer) {
            restartTimer = setTimeout(() => {
              restartTimer = null;
              socket.transmit('respond', { type: 'START' });
            }, 250);
          }
        }
      }
    })();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
