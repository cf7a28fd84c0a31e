// Test instrumentation, loaded before anything else on the page (it must wrap
// WebSocket before socketcluster-client captures it). NOT part of the app's
// logic: it only watches the page's DevTools socket so the driver can tell
//   - the instance id the page's store got (sent in every `log` message),
//   - when the socket is open, closed, and logged in again (START sent),
//   - whether the page is monitored (a START reached it on `respond` since
//     its socket opened, and no STOP/DISCONNECTED since): then it sends every
//     action as an ACTION; before that, actions exist only in its history,
//   - which relay messages the page sent (START/STATE/ACTION + action type)
//     and received on `respond` (START/STOP/UPDATE...).
// Exposed as window.__socket.
const Native = window.WebSocket;
const LIMIT = 2000;
const probe = {
  opens: 0,
  closes: 0,
  open: false,
  startsSent: 0,
  startedSinceOpen: false,
  monitored: false,
  instanceId: null,
  socketId: null,
  sent: [],
  received: [],
};
window.__socket = probe;

function push(list, entry) {
  list.push(entry);
  if (list.length > LIMIT) list.splice(0, list.length - LIMIT);
}

function actionType(action) {
  if (typeof action !== 'string') return undefined;
  try {
    const a = JSON.parse(action);
    return a && a.type === 'PERFORM_ACTION' ? a.action && a.action.type : a && a.type;
  } catch {
    return undefined;
  }
}

function packets(text) {
  if (typeof text !== 'string' || text === '') return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v : [v];
  } catch {
    return [];
  }
}

class ProbedWebSocket extends Native {
  constructor(...args) {
    super(...args);
    this.addEventListener('open', () => {
      probe.opens += 1;
      probe.open = true;
      probe.startedSinceOpen = false;
      probe.monitored = false;
    });
    this.addEventListener('close', (e) => {
      probe.closes += 1;
      probe.open = false;
      probe.startedSinceOpen = false;
      probe.monitored = false;
      push(probe.received, { t: Date.now(), close: e.code });
    });
    this.addEventListener('message', (e) => {
      for (const p of packets(e.data)) {
        if (p && p.event === '#publish' && p.data && p.data.channel === 'respond') {
          const m = p.data.data || {};
          push(probe.received, { t: Date.now(), type: m.type });
          if (m.type === 'START') probe.monitored = true;
          if (m.type === 'STOP' || m.type === 'DISCONNECTED') probe.monitored = false;
        } else if (p && p.rid === 1 && p.data && p.data.id) {
          probe.socketId = p.data.id; // the handshake reply
        }
      }
    });
  }

  send(data) {
    for (const p of packets(data)) {
      if (p && (p.event === 'log' || p.event === 'log-noid') && p.data) {
        const m = p.data;
        if (m.instanceId) probe.instanceId = m.instanceId;
        if (m.type === 'START') {
          probe.startsSent += 1;
          probe.startedSinceOpen = true;
        }
        push(probe.sent, {
          t: Date.now(),
          type: m.type,
          actionType: m.type === 'ACTION' ? actionType(m.action) : undefined,
          nextActionId: m.nextActionId,
        });
      }
    }
    return super.send(data);
  }
}
window.WebSocket = ProbedWebSocket;
