// Resolve once 127.0.0.1:port accepts TCP connections (used by both server
// launchers before they print their "ready" line).
'use strict';
const net = require('net');

module.exports = async function accepting(port) {
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
};
