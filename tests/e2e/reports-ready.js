// Resolve once the server's report store answers: POST {"op":"list"} to
// http://127.0.0.1:port/ returns 200 (a missing reports table gives 500; the
// servers create it with their migrations after they start listening).
// Used by both server launchers when their db options say "migrate": true.
'use strict';

module.exports = async function reportsReady(port) {
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ op: 'list', fields: ['id'] }),
      });
      await r.text();
      if (r.status === 200) return;
    } catch (e) {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
};
