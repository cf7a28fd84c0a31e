// Start the real @redux-devtools/cli server on 127.0.0.1.
//   node server.js --port N      (0 = pick a free port)
//   node server.js --port N --db-options FILE
//     its report store as the JSON file FILE says (knex options, what the
//     CLI's --dbOptions takes: a sqlite file db needs "migrate": true). With
//     "migrate": true, ready waits until the reports table answers (the
//     server runs its migrations after it starts listening).
// Prints one line {"ready":true,"port":N} once it accepts connections.
'use strict';
require('./listen-loopback.js');
const net = require('net');

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}

const maxSeconds = Number(arg('--max-seconds', '600'));
setTimeout(() => {
  console.error(`server.js: watchdog: still running after ${maxSeconds}s`);
  process.exit(2);
}, maxSeconds * 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

(async () => {
  let port = Number(arg('--port', '0'));
  if (!port) port = await freePort();
  const { default: startServer } = await import('@redux-devtools/cli');
  const dbOptions = arg('--db-options');
  const server = await startServer(dbOptions ? { port, logLevel: 1, dbOptions } : { port, logLevel: 1 });
  if (server.portAlreadyUsed) {
    console.error(`server.js: port ${port} is in use`);
    process.exit(3);
  }
  await server.ready;
  // ready = the SocketCluster server is attached; wait until TCP accepts too.
  await require('./accepting.js')(port);
  if (dbOptions && JSON.parse(require('fs').readFileSync(dbOptions, 'utf8')).migrate) {
    await require('./reports-ready.js')(port);
  }
  process.stdout.write(JSON.stringify({ ready: true, port }) + '\n');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
