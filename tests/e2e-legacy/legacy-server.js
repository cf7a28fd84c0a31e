// Start the legacy relay, remotedev-server 0.3.1 (SocketCluster 14, protocol
// v1), on 127.0.0.1.   node legacy-server.js --port N
// SocketCluster 14 forks worker processes: NODE_OPTIONS carries the loopback
// preload to them. Run it with TMPDIR inside the test's temp dir.
//   node legacy-server.js --port N --db-options FILE
//     its report store as the JSON file FILE says (a sqlite file db needs
//     "migrate": true; then ready waits until the reports table answers).
// Prints {"ready":true,"port":N} once it accepts connections.
'use strict';
const path = require('path');

const preload = path.resolve(__dirname, '../e2e/listen-loopback.js');
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS || ''} --require ${preload}`.trim();
require(preload);

const argv = process.argv.slice(2);
const arg = (n, d) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : d);
const port = Number(arg('--port'));
setTimeout(() => process.exit(2), Number(arg('--max-seconds', '600')) * 1000).unref();

let server = null;
function shutdown() {
  try {
    if (server && server.killWorkers) server.killWorkers();
    if (server && server.killBrokers) server.killBrokers();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

(async () => {
  const dbOptions = arg('--db-options');
  const opts = { hostname: '127.0.0.1', port, logLevel: 1 };
  // remotedev-server require()s it relative to the working directory.
  if (dbOptions) opts.dbOptions = path.resolve(dbOptions);
  server = await require('remotedev-server')(opts);
  if (server.portAlreadyUsed) {
    console.error(`legacy-server.js: port ${port} is in use`);
    process.exit(3);
  }
  await new Promise((resolve) => server.on('ready', resolve));
  await require('../e2e/accepting.js')(port);
  if (dbOptions && JSON.parse(require('fs').readFileSync(dbOptions, 'utf8')).migrate) {
    await require('../e2e/reports-ready.js')(port);
  }
  process.stdout.write(JSON.stringify({ ready: true, port }) + '\n');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
