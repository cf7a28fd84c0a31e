// Preload: force every server in this process to listen on 127.0.0.1 only.
// @redux-devtools/cli's --hostname does not restrict the listen address, so
// the tests load this first:  node --require ./listen-loopback.js ...
// (server.js requires it itself, so `node server.js` is enough).
'use strict';
const net = require('net');

const original = net.Server.prototype.listen;
net.Server.prototype.listen = function listenLoopback(...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    // listen({ port, host, ... }, cb?) — a handle/fd/path is left alone
    if (first.port !== undefined || first.path === undefined) {
      args[0] = { ...first, host: '127.0.0.1' };
    }
    return original.apply(this, args);
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, cb]) -> listen(port, '127.0.0.1'[, backlog][, cb])
    const rest = args.slice(1);
    if (typeof rest[0] === 'string' || rest[0] === undefined || rest[0] === null) rest.shift();
    return original.call(this, Number(first), '127.0.0.1', ...rest);
  }
  if (first === undefined || typeof first === 'function') {
    // listen() / listen(cb): a random port
    return original.call(this, 0, '127.0.0.1', ...args);
  }
  return original.apply(this, args); // a path (unix socket): not a network listener
};
