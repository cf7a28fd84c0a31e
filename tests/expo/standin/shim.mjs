// Loaded first by standin.mjs (esbuild keeps the import order): what a web
// page gives @expo/devtools, and a probe on the WebSocket it opens.
//
// - `window.location`: @expo/devtools' web `getConnectionInfo` takes the dev
//   server from `window.location.origin` (sender "browser", like an Expo web
//   build in a tab).
// - The probe wraps the global WebSocket (Node 20: --experimental-websocket)
//   before anything opens one: every frame really sent on an open socket and
//   every frame received is handed to the listeners in `probe`. It changes
//   nothing on the wire.
// - `close()` on a socket still connecting takes effect a task later, as in
//   a browser (WHATWG: the error and close events are queued). Node 20's
//   WebSocket fires `error` inside `close()`, and @expo/devtools'
//   WebSocketWithReconnect closes a socket from its own error handler: the
//   two recurse until the stack overflows, queueing ~700 reconnects, past
//   its 200 retries, after which the client refuses every send. That
//   happened whenever a dev server took longer than the client's first
//   retry (1.5 s) to come back, and never happens in a browser or an app.
const argv = process.argv.slice(2);
const i = argv.indexOf('--port');
const host = (argv.indexOf('--host') >= 0 && argv[argv.indexOf('--host') + 1]) || '127.0.0.1';
const port = i >= 0 ? Number(argv[i + 1]) : NaN;
if (!port) {
  process.stderr.write('usage: node --experimental-websocket standin.mjs --port P --name NAME [--stores N]\n');
  process.exit(2);
}
if (typeof globalThis.WebSocket !== 'function') {
  process.stderr.write('standin: no global WebSocket: run it with node --experimental-websocket (Node 20) or Node 22+\n');
  process.exit(2);
}

globalThis.window = globalThis.window || { location: new URL(`http://${host}:${port}/`) };

export const probe = {
  opens: 0,
  closes: 0,
  onOpen: [],
  onClose: [],
  onSent: [],
  onReceived: [],
};

const Native = globalThis.WebSocket;
class ProbedWebSocket extends Native {
  constructor(...args) {
    super(...args);
    this.addEventListener('open', () => {
      probe.opens += 1;
      for (const f of probe.onOpen) f();
    });
    this.addEventListener('close', () => {
      probe.closes += 1;
      for (const f of probe.onClose) f();
    });
    this.addEventListener('message', (e) => {
      for (const f of probe.onReceived) f(e.data);
    });
  }

  close(...args) {
    if (this.readyState === Native.CONNECTING) {
      setTimeout(() => super.close(...args), 0);
      return;
    }
    super.close(...args);
  }

  send(data) {
    const r = super.send(data);
    for (const f of probe.onSent) f(data);
    return r;
  }
}
globalThis.WebSocket = ProbedWebSocket;
