// Oracle: import a Redux DevTools file into an instrumented store the way DevTools would,
// then print one JSON line per staged action.
//
// usage: node import-check.js FILE [REDUCER_MODULE] [--via=extension|remote] [--no-recompute] [--catch-errors]
//   --via=extension (default): @redux-devtools/utils importState(text, {}) (same code as the
//        extension's pageScript/api/importState.ts): unwraps {payload, preloadedState} envelope,
//        then liftedStore.dispatch({ type: 'IMPORT_STATE', nextLiftedState, preloadedState }).
//   --via=remote: what @redux-devtools/remote does on an IMPORT message from app-core:
//        liftedStore.dispatch({ type: 'IMPORT_STATE', nextLiftedState: jsan.parse(text) }) (no unwrapping).
// REDUCER_MODULE: JS module with `export default` reducer (or named `reducer`); default ./reducer.js
// output: {"index":i,"action_id":id,"action_type":T,"skipped":bool,"state":S[,"error":E]} per staged
// action (index 0 = @@INIT), then exit 0; exit 1 + message on stderr if the import is rejected.
import { createStore } from 'redux';
import { instrument } from '@redux-devtools/instrument';
import { importState } from '@redux-devtools/utils';
import jsan from 'jsan';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const pos = args.filter((a) => !a.startsWith('--'));
const via = [...flags].find((f) => f.startsWith('--via='))?.slice(6) || 'extension';
const fail = (msg) => { process.stderr.write(`import rejected: ${msg}\n`); process.exit(1); };
if (!pos[0]) fail('usage: node import-check.js FILE [REDUCER_MODULE] [--via=extension|remote]');

const mod = await import(pathToFileURL(path.resolve(pos[1] || new URL('./reducer.js', import.meta.url).pathname)).href);
const reducer = typeof mod.default === 'function' ? mod.default : mod.reducer;
if (typeof reducer !== 'function') fail('reducer module exports no reducer function');

const text = fs.readFileSync(pos[0], 'utf8');
let importAction;
try {
  if (via === 'remote') {
    importAction = { type: 'IMPORT_STATE', nextLiftedState: jsan.parse(text) };
  } else {
    const r = importState(text, {}); // -> { nextLiftedState, preloadedState } | undefined (empty text)
    if (!r) fail('empty file');
    importAction = { type: 'IMPORT_STATE', ...r };
  }
  if (flags.has('--no-recompute')) importAction.noRecompute = true;
} catch (e) { fail(`parse error: ${e.message}`); }

const store = createStore(reducer, instrument(undefined, { shouldCatchErrors: flags.has('--catch-errors') }));
let ls;
try {
  store.liftedStore.dispatch(importAction);
  ls = store.liftedStore.getState();
} catch (e) { fail(`instrument threw: ${e.constructor.name}: ${e.message}`); }

// instrument does not validate; detect the states it leaves broken
const nls = importAction.nextLiftedState;
if (nls === null || typeof nls !== 'object') fail(`nextLiftedState is ${nls === null ? 'null' : typeof nls}`);
if (!Array.isArray(ls.stagedActionIds)) fail('no stagedActionIds after import (not a lifted state / actions array)');
if (!Array.isArray(ls.computedStates) || ls.computedStates.length !== ls.stagedActionIds.length)
  fail(`computedStates length ${ls.computedStates?.length} != stagedActionIds length ${ls.stagedActionIds.length}`);
if (!(Number.isInteger(ls.currentStateIndex) && ls.currentStateIndex >= 0 && ls.currentStateIndex < ls.computedStates.length))
  fail(`currentStateIndex ${ls.currentStateIndex} not in [0, ${ls.computedStates.length}) - store.getState() would throw`);
if (!Number.isInteger(ls.nextActionId)) process.stderr.write(`warning: nextActionId is ${ls.nextActionId}; the next dispatched action would get a bogus id\n`);
try { store.getState(); } catch (e) { fail(`store.getState() throws: ${e.message}`); }

ls.stagedActionIds.forEach((id, i) => {
  const entry = ls.computedStates[i] || {};
  const line = { index: i, action_id: id, action_type: ls.actionsById[id]?.action?.type,
    skipped: ls.skippedActionIds.includes(id), state: entry.state };
  if (entry.error !== undefined) line.error = entry.error;
  process.stdout.write(JSON.stringify(line) + '\n');
});
process.stderr.write(`ok: ${ls.stagedActionIds.length} staged, currentStateIndex=${ls.currentStateIndex}, nextActionId=${ls.nextActionId}, committedState=${JSON.stringify(ls.committedState)}\n`);
