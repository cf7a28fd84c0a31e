// A real browser for rdx's end-to-end tests: serves dist/ (the shop page,
// `vite build`) on 127.0.0.1, runs Debian's Chromium headless through
// playwright-core, and opens tabs of the page pointed at a DevTools server.
//   node driver.js --port N [--hostname H] [--timeout-ms MS] [--max-seconds S]
//                  [--chromium PATH]
// --port: the @redux-devtools/cli server the pages stream to.
// Prints {"ready":true,"http_port":N,"browser":VERSION} once Chromium is up,
// then reads commands on stdin, one per line, runs them one at a time and
// prints exactly one JSON object per command (with "cmd", and "error" if it
// failed; a failed command never ends the driver):
//   open TAB NAME [MAXAGE]   new tab of the page with that app name (and the
//                            enhancer's maxAge); replies once the page's
//                            load-time catalog/load/fulfilled happened and its
//                            store announced itself (START) to the server:
//                            {"cmd","tab","name","instance","load_sent_as_action"}
//   click TAB BUTTON         click the button with that id (add-to-cart,
//                            increment): {"cmd","tab","instance","action","action_type","state"}
//   dispatch TAB TYPE [JSON] dispatch {type, payload: JSON} (same reply)
//   reload TAB               reload the tab; replies when the new page did its
//                            load-time actions and announced itself:
//                            {"cmd","tab","old_instance","instance"}
//   close TAB                {"cmd","tab","instance"}
//   state TAB                {"cmd","tab","instance","state","dispatched":[types]}
//   socket TAB               what the page's DevTools socket did (see src/probe.js)
//   wait-socket TAB open|closed|monitored [MS]
//                            wait until the page's socket is closed, or open
//                            and logged in (START sent), or monitored (a
//                            monitor's START reached it: its next actions go
//                            out as ACTIONs); replies like socket
//   open-reporting TAB NAME  a tab that streams nothing (realtime off) and
//                            POSTs a report on an uncaught error (sendOnError: 1);
//                            replies once its load-time fetch is done
//   throw TAB MESSAGE        throw an uncaught Error(MESSAGE) from a timer
//   quit                     close the browser and exit
// Every command is bounded by --timeout-ms (default 60000; wait-socket: MS);
// the whole driver by --max-seconds (default 600). SIGTERM, SIGINT or the end
// of stdin close the browser and exit.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const argv = process.argv.slice(2);
function arg(name, def) {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
}
const devtoolsPort = Number(arg('--port'));
const devtoolsHost = arg('--hostname', '127.0.0.1');
const timeoutMs = Number(arg('--timeout-ms', '60000'));
const maxSeconds = Number(arg('--max-seconds', '600'));
const executablePath = arg('--chromium', '/usr/bin/chromium');
const verbose = !!process.env.RDX_E2E_VERBOSE;

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const log = (msg) => process.stderr.write(`driver.js: ${msg}\n`);

let browser = null;
let server = null;
let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  // Never hang on the way out: exit after 2 s whatever the browser does.
  setTimeout(() => process.exit(code), 2000).unref();
  try {
    if (browser) await browser.close();
  } catch {
    // already gone
  }
  if (server) server.close();
  process.exit(code);
}

setTimeout(() => {
  log(`watchdog: still running after ${maxSeconds}s`);
  void shutdown(2);
}, maxSeconds * 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => void shutdown(0));

if (!devtoolsPort) {
  log('usage: node driver.js --port N');
  process.exit(2);
}
if (!fs.existsSync(path.join(dist, 'index.html'))) {
  log(`${dist}/index.html missing: run \`npx vite build\` in ${here} (make e2e-deps does)`);
  process.exit(3);
}

// --- a tiny static server for dist/ -------------------------------------
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};
function serve(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  let rel = decodeURIComponent(url.pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.normalize(path.join(dist, rel));
  if (!file.startsWith(dist + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  fs.readFile(file, (err, body) => {
    if (err) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(body);
  });
}

// --- tabs ----------------------------------------------------------------
const tabs = new Map(); // TAB -> { page, name }
let context = null;
let httpPort = 0;

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

// The page's load-time fetch is done and its store told the server START.
async function whenLoaded(page, ms) {
  await page.waitForFunction(
    () =>
      !!window.__dispatched &&
      window.__dispatched.some((a) => a.type === 'catalog/load/fulfilled') &&
      !!window.__socket &&
      !!window.__socket.instanceId &&
      window.__socket.startsSent > 0,
    undefined,
    { timeout: ms, polling: 10 },
  );
  return page.evaluate(() => ({
    instance: window.__socket.instanceId,
    dispatched: window.__dispatched.map((a) => ({ type: a.type, at: a.at })),
    load_sent_as_action: window.__socket.sent.some(
      (s) => s.type === 'ACTION' && String(s.actionType).startsWith('catalog/load'),
    ),
  }));
}

function attach(name, page) {
  page.on('pageerror', (e) => log(`[${name}] page error: ${e.message}`));
  if (verbose) page.on('console', (m) => log(`[${name}] console.${m.type()}: ${m.text()}`));
}

async function act(t, fn, arg) {
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
      instance: window.__socket.instanceId,
      action: { type: a.type, payload: a.payload },
      action_type: a.type,
      state: window.__store.getState(),
    };
  }, before);
}

function probeOf(page) {
  return page.evaluate(() => ({ instance: window.__socket.instanceId, ...window.__socket }));
}

const commands = {
  async open(name, app, maxAge) {
    if (!name || !app) throw new Error('usage: open TAB NAME [MAXAGE]');
    if (tabs.has(name)) throw new Error(`tab ${name} is already open`);
    const q = new URLSearchParams({ hostname: devtoolsHost, port: String(devtoolsPort), name: app });
    if (maxAge) q.set('maxAge', maxAge);
    const url = `http://127.0.0.1:${httpPort}/?${q}`;
    const page = await context.newPage();
    attach(name, page);
    tabs.set(name, { page, name: app });
    await page.bringToFront(); // the load-time thunk runs on a timer
    await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    return { tab: name, name: app, url, ...(await whenLoaded(page, timeoutMs)) };
  },

  // A tab that streams nothing (realtime off) and sends a report when an
  // error is not caught (sendOnError: 1): ready once its load-time fetch is done.
  async 'open-reporting'(name, app) {
    if (!name || !app) throw new Error('usage: open-reporting TAB NAME');
    if (tabs.has(name)) throw new Error(`tab ${name} is already open`);
    const q = new URLSearchParams({
      hostname: devtoolsHost,
      port: String(devtoolsPort),
      name: app,
      realtime: '0',
      sendOnError: '1',
    });
    const url = `http://127.0.0.1:${httpPort}/?${q}`;
    const page = await context.newPage();
    attach(name, page);
    tabs.set(name, { page, name: app });
    await page.bringToFront();
    await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    await page.waitForFunction(
      () => !!window.__dispatched && window.__dispatched.some((a) => a.type === 'catalog/load/fulfilled'),
      undefined,
      { timeout: timeoutMs, polling: 10 },
    );
    return { tab: name, name: app, url, socket_opens: await page.evaluate(() => window.__socket.opens) };
  },

  // An error nobody catches, thrown from a timer (window.onerror sees it).
  async throw(name, ...words) {
    const t = tab(name);
    const message = words.join(' ') || 'boom';
    await t.page.evaluate((m) => {
      setTimeout(() => {
        throw new Error(m);
      }, 0);
    }, message);
    return { tab: name, thrown: message };
  },

  async click(name, button) {
    const t = tab(name);
    if (!button) throw new Error('usage: click TAB BUTTON');
    return { tab: name, ...(await act(t, () => t.page.click(`#${button}`, { timeout: timeoutMs }))) };
  },

  async dispatch(name, type, ...rest) {
    const t = tab(name);
    if (!type) throw new Error('usage: dispatch TAB TYPE [JSON]');
    const payload = rest.length ? JSON.parse(rest.join(' ')) : undefined;
    const fn = () =>
      t.page.evaluate(
        ([ty, p, has]) => {
          window.__store.dispatch(has ? { type: ty, payload: p } : { type: ty });
        },
        [type, payload ?? null, rest.length > 0],
      );
    return { tab: name, ...(await act(t, fn)) };
  },

  async reload(name) {
    const t = tab(name);
    const old = await t.page.evaluate(() => window.__socket.instanceId);
    await t.page.bringToFront();
    await t.page.reload({ waitUntil: 'load', timeout: timeoutMs });
    return { tab: name, old_instance: old, ...(await whenLoaded(t.page, timeoutMs)) };
  },

  async close(name) {
    const t = tab(name);
    const instance = await t.page.evaluate(() => window.__socket.instanceId);
    await t.page.close();
    tabs.delete(name);
    return { tab: name, instance };
  },

  async state(name) {
    const t = tab(name);
    return {
      tab: name,
      ...(await t.page.evaluate(() => ({
        instance: window.__socket.instanceId,
        state: window.__store.getState(),
        dispatched: window.__dispatched.map((a) => a.type),
      }))),
    };
  },

  async socket(name) {
    return { tab: name, ...(await probeOf(tab(name).page)) };
  },

  async 'wait-socket'(name, want, ms) {
    const t = tab(name);
    if (!['open', 'closed', 'monitored'].includes(want)) {
      throw new Error('usage: wait-socket TAB open|closed|monitored [MS]');
    }
    const limit = Number(ms || timeoutMs);
    await t.page.waitForFunction(
      (w) => {
        const p = window.__socket;
        if (w === 'closed') return !p.open;
        if (w === 'monitored') return p.open && p.monitored;
        return p.open && p.startedSinceOpen;
      },
      want,
      { timeout: limit, polling: 20 },
    );
    return { tab: name, ...(await probeOf(t.page)) };
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
  server = http.createServer(serve);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  httpPort = server.address().port;
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
  out({ ready: true, http_port: httpPort, browser: browser.version() });

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
