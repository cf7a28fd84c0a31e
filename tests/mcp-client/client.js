// The official MCP TypeScript SDK's client (Client + StdioClientTransport)
// spawning `rdx mcp`, driven by rdx's tests (tests/mcp.rs).
//   node client.js RDX_BINARY [RDX ARGS...]
// Prints {"ready":true,"server":{...},"instructions":...} once initialized, then
// reads commands from stdin, one JSON object a line, each answered as soon as
// rdx answers (so calls sent together run concurrently):
//   {"tag":T,"op":"list"}                         -> {"tag":T,"tools":[...]}
//   {"tag":T,"op":"call","name":N,"args":{...}}   -> {"tag":T,"result":{...}} or {"tag":T,"error":"..."}
//   {"tag":T,"op":"ping"}                         -> {"tag":T,"pong":true}
//   {"op":"close"}                                closes the client, exits 0
'use strict';
const readline = require('readline');

const [bin, ...args] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

setTimeout(() => {
  console.error('client.js: watchdog: still running after 300 s');
  process.exit(2);
}, 300_000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

(async () => {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const transport = new StdioClientTransport({ command: bin, args, stderr: 'inherit' });
  const client = new Client({ name: 'rdx-tests', version: '1.0.0' });
  await client.connect(transport);
  out({
    ready: true,
    server: client.getServerVersion(),
    capabilities: client.getServerCapabilities(),
    instructions: client.getInstructions(),
  });
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    const cmd = JSON.parse(line);
    const tag = cmd.tag;
    const started = Date.now();
    let p;
    if (cmd.op === 'list') p = client.listTools().then((r) => ({ tools: r.tools }));
    else if (cmd.op === 'ping') p = client.ping().then(() => ({ pong: true }));
    else if (cmd.op === 'call')
      p = client
        .callTool({ name: cmd.name, arguments: cmd.args || {} }, undefined, { timeout: 150_000 })
        .then((r) => ({ result: r }));
    else if (cmd.op === 'close') {
      client.close().then(() => process.exit(0));
      return;
    } else p = Promise.reject(new Error(`unknown op ${cmd.op}`));
    p.then(
      (r) => out({ tag, ms: Date.now() - started, ...r }),
      (e) => out({ tag, ms: Date.now() - started, error: String(e && e.message ? e.message : e), code: e && e.code }),
    );
  });
  rl.on('close', () => client.close().then(() => process.exit(0)));
})().catch((e) => {
  out({ fatal: String(e && e.stack ? e.stack : e) });
  process.exit(1);
});
