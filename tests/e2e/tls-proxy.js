// A TLS-terminating proxy in front of the DevTools server, as teams run one
// (the cli's own --protocol https does not work): TLS on 127.0.0.1, plain TCP
// to the server.
//   node tls-proxy.js --target PORT --cert FILE --key FILE
// Prints {"ready":true,"port":N} once it accepts connections.
'use strict';
const fs = require('fs');
const net = require('net');
const tls = require('tls');

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const target = Number(arg('--target'));
setTimeout(() => process.exit(2), 600 * 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

const server = tls.createServer(
  { cert: fs.readFileSync(arg('--cert')), key: fs.readFileSync(arg('--key')) },
  (client) => {
    const upstream = net.connect(target, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  },
);
// A client that refuses our certificate ends its handshake: not our error.
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ ready: true, port: server.address().port }) + '\n');
});
