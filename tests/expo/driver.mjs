// The Expo web build in a real browser, for rdx's end-to-end tests: Debian's
// Chromium headless through playwright-core, tabs of the app served by the
// Expo CLI dev server (App.js, store.js), whose store streams through
// redux-devtools-expo-dev-plugin to the dev server's
// /expo-dev-plugins/broadcast socket; and tabs of the plugin's own web UI.
//   node driver.mjs --port P [--timeout-ms MS] [--max-seconds S] [--chromium PATH]
// --port: the dev server (127.0.0.1:P).
// Prints {"ready":true,"browser":VERSION} once Chromium is up, then reads
// commands on stdin, one per line, runs them one at a time and prints
// exactly one JSON object per command (with "cmd", and "error" if it failed;
// a failed command never ends the driver):
//   open TAB NAME          a tab of the app at /?name=NAME; replies once the
//                          page's store exists, its broadcast WebSocket is
//                          open and its START went out:
//                          {"cmd","tab","name","url","instance","id","dispatched":[types]}
//   click TAB TESTID       click the Pressable with that testID (inc, dec,
//                          add5, add-item); replies once it dispatched:
//                          {"cmd","tab","instance","action","action_type","state"}
//   dispatch TAB TYPE [JSON]  window.__store.dispatch({type, payload}) (same reply)
//   reload TAB             reload the tab (a new store: new id and instanceId);
//                          replies once the new page's START went out:
//                          {"cmd","tab","old_instance","instance","id","dispatched"}
//   state TAB              {"cmd","tab","instance","state","dispatched":[types]}
//   webui TAB              a tab of the plugin's own web UI
//                          (/_expo/plugins/redux-devtools-expo-dev-plugin);
//                          replies once its broadcast socket is open and it
//                          sent its `respond START`: {"cmd","tab","url","socket"}
//   socket TAB             what the tab's broadcast socket did (see PROBE):
//                          {"cmd","tab","opens","closes","open","instance",
//                           "sent":[..],"received":[..]}
//   wait-socket TAB open|closed|monitored [MS]
//                          until the tab's broadcast socket is open (and its
//                          START went out), closed, or monitored (a `respond
//                          START` reached it since it opened); replies like socket
//   close TAB              {"cmd","tab"}
//   quit                   close the browser and exit
// Every command is bounded by --timeout-ms (default 60000; wait-socket: MS);
// the whole driver by --max-seconds (default 600). SIGTERM, SIGINT or the end
// of stdin close the browser and exit.
import readline from 'node:readline';
import { chromium } from 'playwright-core';

const argv = process.argv.slice(2);
function arg(name, def) {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
}
const port = Number(arg('--port'));
const timeoutMs = Number(arg('--timeout-ms', '60000'));
const maxSeconds = Number(arg('--max-seconds', '600'));
const executablePath = arg('--chromium', '/usr/bin/chromium');
const verbose = !!process.env.RDX_E2E_VERBOSE;
const origin = `http://127.0.0.1:${port}`;
const WEBUI = '/_expo/plugins/redux-devtools-expo-dev-plugin';

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const log = (msg) => process.stderr.write(`driver.mjs: ${msg}\n`);

let browser = null;
let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  setTimeout(() => process.exit(code), 2000).unref();
  try {
    if (browser) await browser.close();
  } catch {
    // already gone
  }
  process.exit(code);
}
setTimeout(() => {
  log(`watchdog: still running after ${maxSeconds}s`);
  void shutdown(2);
}, maxSeconds * 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => void shutdown(0));
if (!port) {
  log('usage: node driver.mjs --port P');
  process.exit(2);
}

// PROBE: test instrumentation injected before any script of every page. It
// only watches the page's WebSockets to /expo-dev-plugins/broadcast, and
// changes nothing on the wire: window.__broadcast = {opens, closes, open,
// startedSinceOpen, monitored, instanceId, id, sent, received}; `sent` and
// `received` are [{t, method, type, actionType?, instanceId?, handshake?,
// binary?}] of every frame (the last 2000).
function PROBE() {
  const Native = window.WebSocket;
  const LIMIT = 2000;
  const PLUGIN = 'redux-devtools-expo-dev-plugin';
  const p = {
    opens: 0,
    closes: 0,
    open: false,
    startedSinceOpen: false,
    monitored: false,
    startsSent: 0,
    instanceId: null,
    id: null,
    sent: [],
    received: [],
  };
  window.__broadcast = p;
  const push = (list, e) => {
    list.push(e);
    if (list.length > LIMIT) list.splice(0, list.length - LIMIT);
  };
  const actionType = (a) => {
    try {
      const v = JSON.parse(a);
      return v && v.type === 'PERFORM_ACTION' ? v.action && v.action.type : v && v.type;
    } catch {
      return undefined;
    }
  };
  const describe = (data) => {
    if (typeof data !== 'string') return { t: Date.now(), binary: true };
    let f;
    try {
      f = JSON.parse(data);
    } catch {
      return { t: Date.now(), text: data.slice(0, 200) };
    }
    if (f && f.__isHandshakeMessages) return { t: Date.now(), handshake: f.method, pluginName: f.pluginName };
    const k = (f && f.messageKey) || {};
    const m = (f && f.payload) || {};
    const e = { t: Date.now(), pluginName: k.pluginName, method: k.method, type: m.type };
    if (m.instanceId) e.instanceId = m.instanceId;
    if (m.id) e.id = m.id;
    if (m.type === 'ACTION') e.actionType = actionType(m.action);
    return e;
  };
  class ProbedWebSocket extends Native {
    constructor(url, ...rest) {
      super(url, ...rest);
      this.__probed = String(url).includes('/expo-dev-plugins/broadcast');
      if (!this.__probed) return;
      this.addEventListener('open', () => {
        p.opens += 1;
        p.open = true;
        p.startedSinceOpen = false;
        p.monitored = false;
      });
      this.addEventListener('close', (ev) => {
        p.closes += 1;
        p.open = false;
        p.startedSinceOpen = false;
        p.monitored = false;
        push(p.received, { t: Date.now(), close: ev.code });
      });
      this.addEventListener('message', (ev) => {
        const e = describe(ev.data);
        push(p.received, e);
        if (e.pluginName === PLUGIN && e.method === 'respond') {
          if (e.type === 'START') p.monitored = true;
          if (e.type === 'STOP' || e.type === 'DISCONNECTED') p.monitored = false;
        }
      });
    }
    send(data) {
      const r = super.send(data);
      if (this.__probed) {
        const e = describe(data);
        push(p.sent, e);
        if (e.pluginName === PLUGIN && e.method === 'log') {
          if (e.instanceId) p.instanceId = e.instanceId;
          if (e.id) p.id = e.id;
          if (e.type === 'START') {
            p.startsSent += 1;
            p.startedSinceOpen = true;
          }
        }
        if (e.pluginName === PLUGIN && e.method === 'respond' && e.type === 'START') {
          p.startsSent += 1; // the web UI's START
          p.startedSinceOpen = true;
        }
      }
      return r;
    }
  }
  window.WebSocket = ProbedWebSocket;
}

const tabs = new Map(); // TAB -> { page, kind }
let context = null;

function tab(name) {
  const t = tabs.get(name);
  if (!t) throw new Error(`no tab ${name}`);
  return t;
}

function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: ${what} after ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

// The page's store exists, its broadcast socket is open and its START went
// out (from an instance other than `old`).
async function whenStarted(page, old) {
  await page.waitForFunction(
    (o) =>
      !!window.__store &&
      !!window.__broadcast &&
      window.__broadcast.open &&
      window.__broadcast.startedSinceOpen &&
      window.__broadcast.instanceId !== o,
    old ?? null,
    { timeout: timeoutMs, polling: 20 },
  );
  return page.evaluate(() => ({
    instance: window.__broadcast.instanceId,
    id: window.__broadcast.id,
    dispatched: window.__dispatched.map((a) => a.type),
  }));
}

function attach(name, page) {
  page.on('pageerror', (e) => log(`[${name}] page error: ${e.message}`));
  if (verbose) page.on('console', (m) => log(`[${name}] console.${m.type()}: ${m.text()}`));
}

async function newTab(name, kind) {
  if (tabs.has(name)) throw new Error(`tab ${name} is already open`);
  const page = await context.newPage();
  attach(name, page);
  tabs.set(name, { page, kind });
  await page.bringToFront();
  return page;
}

async function act(t, fn) {
  await t.page.bringToFront(); // background tabs throttle timers
  const before = await t.page.evaluate(() => window.__dispatched.length);
  await fn();
  await t.page.waitForFunction((n) => window.__dispatched.length > n, before, {
    timeout: timeoutMs,
    polling: 10,
  });
  return t.page.evaluate((n) => {
    const a = window.__dispatched[n];
    return {
      instance: window.__broadcast.instanceId,
      action: { type: a.type, payload: a.payload },
      action_type: a.type,
      state: window.__store.getState(),
    };
  }, before);
}

const probeOf = (page) => page.evaluate(() => ({ ...window.__broadcast }));

const commands = {
  async open(name, app) {
    if (!name || !app) throw new Error('usage: open TAB NAME');
    const url = `${origin}/?${new URLSearchParams({ name: app })}`;
    const page = await newTab(name, 'app');
    await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    return { tab: name, name: app, url, ...(await whenStarted(page)) };
  },

  async click(name, testid) {
    const t = tab(name);
    if (!testid) throw new Error('usage: click TAB TESTID');
    const sel = `[data-testid="${testid}"]`;
    return { tab: name, ...(await act(t, () => t.page.click(sel, { timeout: timeoutMs }))) };
  },

  async dispatch(name, type, ...rest) {
    const t = tab(name);
    if (!type) throw new Error('usage: dispatch TAB TYPE [JSON]');
    const has = rest.length > 0;
    const payload = has ? JSON.parse(rest.join(' ')) : null;
    const fn = () =>
      t.page.evaluate(([ty, p, h]) => {
        window.__store.dispatch(h ? { type: ty, payload: p } : { type: ty });
      }, [type, payload, has]);
    return { tab: name, ...(await act(t, fn)) };
  },

  async reload(name) {
    const t = tab(name);
    const old = await t.page.evaluate(() => window.__broadcast.instanceId);
    await t.page.bringToFront();
    await t.page.reload({ waitUntil: 'load', timeout: timeoutMs });
    return { tab: name, old_instance: old, ...(await whenStarted(t.page, old)) };
  },

  async state(name) {
    const t = tab(name);
    return {
      tab: name,
      ...(await t.page.evaluate(() => ({
        instance: window.__broadcast.instanceId,
        state: window.__store.getState(),
        dispatched: window.__dispatched.map((a) => a.type),
      }))),
    };
  },

  async webui(name) {
    const url = `${origin}${WEBUI}`;
    const page = await newTab(name, 'webui');
    await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    await page.waitForFunction(
      () => !!window.__broadcast && window.__broadcast.open && window.__broadcast.startedSinceOpen,
      undefined,
      { timeout: timeoutMs, polling: 20 },
    );
    return { tab: name, url, socket: await probeOf(page) };
  },

  async socket(name) {
    return { tab: name, ...(await probeOf(tab(name).page)) };
  },

  async 'wait-socket'(name, want, ms) {
    const t = tab(name);
    if (!['open', 'closed', 'monitored'].includes(want)) {
      throw new Error('usage: wait-socket TAB open|closed|monitored [MS]');
    }
    await t.page.waitForFunction(
      (w) => {
        const p = window.__broadcast;
        if (w === 'closed') return !p.open;
        if (w === 'monitored') return p.open && p.monitored;
        return p.open && p.startedSinceOpen;
      },
      want,
      { timeout: Number(ms || timeoutMs), polling: 20 },
    );
    return { tab: name, ...(await probeOf(t.page)) };
  },

  async close(name) {
    const t = tab(name);
    await t.page.close();
    tabs.delete(name);
    return { tab: name };
  },

  async quit() {
    out({ cmd: 'quit', ok: true });
    await shutdown(0);
  },
};

async function run(line) {
  const words = line.trim().split(/\s+/);
  const cmd = words[0];
  if (!cmd) return;
  const f = commands[cmd];
  if (!f) {
    out({ cmd, error: `unknown command ${cmd}` });
    return;
  }
  const limit = cmd === 'wait-socket' ? Number(words[3] || timeoutMs) + 5000 : timeoutMs + 5000;
  try {
    const r = await withTimeout(f(...words.slice(1)), limit, line.trim());
    if (cmd !== 'quit') out({ cmd, ...r });
  } catch (e) {
    out({ cmd, tab: words[1], error: String((e && e.message) || e).split('\n')[0] });
  }
}

(async () => {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: timeoutMs,
  });
  browser.on('disconnected', () => {
    if (!shuttingDown) {
      log('the browser went away');
      void shutdown(1);
    }
  });
  context = await browser.newContext();
  await context.addInitScript(PROBE);
  out({ ready: true, browser: browser.version() });

  let queue = Promise.resolve();
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    queue = queue.then(() => run(line));
  });
  rl.on('close', () => {
    queue = queue.then(() => shutdown(0));
  });
})().catch((e) => {
  log(String((e && e.stack) || e));
  void shutdown(1);
});
