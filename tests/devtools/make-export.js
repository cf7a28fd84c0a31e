// Produces DevTools export files through @redux-devtools/app-core's REAL export code path:
// lib/middlewares/exportState.js (exportStateMiddleware) + lib/reducers/instances.js, driven by
// the same UPDATE_STATE requests the monitor receives over the socket. The browser `download()`
// is captured by stubbing window.URL.createObjectURL / document (the Blob is Node's real Blob).
//
// usage: node make-export.js remote|extension|remote-serialize OUTFILE
//   remote            : app like @redux-devtools/remote (no libConfig) -> features.export === true
//                       -> file = stringifyJSON(instances.states[id], undefined) = jsan.stringify(liftedState)
//   remote-serialize  : same but libConfig.serialize = true -> jsan.stringify(state, replacer, null, true)
//   extension         : app like the browser extension (libConfig.type 'redux') -> export 'custom'
//                       -> app replies EXPORT -> file = JSON.stringify({payload, preloadedState}, null, '\t')
import { createStore, combineReducers, applyMiddleware } from 'redux';
import { instrument } from '@redux-devtools/instrument';
import jsan from 'jsan';
import fs from 'node:fs';
import reducer from './reducer.js';

// app-core is the one the real DevTools app of tests/e2e runs (a dependency of
// @redux-devtools/cli there), loaded by file path: its package "exports" only
// exposes lib/index.js, which pulls in CSS and React.
const AC = new URL('../e2e/node_modules/@redux-devtools/app-core/lib/', import.meta.url).href; // deep paths: package "exports" only exposes lib/index.js (which pulls in CSS/React)
const { exportStateMiddleware } = await import(AC + 'middlewares/exportState.js');
const { instances } = await import(AC + 'reducers/instances.js');
const { UPDATE_STATE, LIFTED_ACTION } = await import(AC + 'constants/actionTypes.js');
const { exportState } = await import(AC + 'actions/index.js');

const mode = process.argv[2] || 'remote';
const outFile = process.argv[3];
if (!outFile) { console.error('usage: node make-export.js remote|extension|remote-serialize OUTFILE'); process.exit(2); }

// ---- capture download() ----
let downloaded = null;
globalThis.window = { URL: { createObjectURL: (blob) => { downloaded = blob; return 'blob:x'; }, revokeObjectURL() {} } };
globalThis.document = { createElement: () => ({ style: {}, click() {} }), body: { appendChild() {}, removeChild() {} } };

// ---- the "app" side: an instrumented store ----
const app = createStore(reducer, { counter: { value: 10 }, todos: [] }, instrument());
const when = new Date('2024-01-02T03:04:05Z');

// ---- the monitor side: app-core reducer + export middleware ----
const sent = [];
const spy = () => (next) => (action) => { if (action.type === LIFTED_ACTION) sent.push(action); return next(action); };
const monitor = createStore(combineReducers({ instances }), applyMiddleware(exportStateMiddleware, spy));
const ID = 'conn1', INST = 'inst1';
const libConfig = mode === 'extension' ? { type: 'redux', name: 'ext-app', serialize: false }
  : mode === 'remote-serialize' ? { serialize: true } : undefined;

app.dispatch({ type: 'counter/incremented' });
app.dispatch({ type: 'todos/todoAdded', payload: { id: 1, text: 'export me', at: when } });
const lifted = app.liftedStore.getState();

if (mode === 'extension') {
  // extension STATE message shape (pageScript/api toContentScript): payload = lifted state minus
  // actionsById/computedStates/committedState; those sent as separate strings.
  const { actionsById, computedStates, committedState, ...rest } = lifted;
  monitor.dispatch({ type: UPDATE_STATE, request: {
    type: 'STATE', id: ID, instanceId: INST, libConfig, payload: rest,
    actionsById: JSON.stringify(actionsById), computedStates: JSON.stringify(computedStates),
    committedState: typeof committedState !== 'undefined' } });
} else {
  // @redux-devtools/remote relay('STATE', liftedState): payload = jsan.stringify(liftedState)
  monitor.dispatch({ type: UPDATE_STATE, request: {
    type: 'STATE', id: ID, instanceId: INST, libConfig,
    payload: libConfig?.serialize ? jsan.stringify(lifted, null, null, true) : jsan.stringify(lifted) } });
  // one more action relayed as remote does: relay('ACTION', state, liftedAction, nextActionId)
  app.dispatch({ type: 'counter/set', payload: 42 });
  const ls = app.liftedStore.getState();
  const s = (v) => (libConfig?.serialize ? jsan.stringify(v, null, null, true) : jsan.stringify(v));
  monitor.dispatch({ type: UPDATE_STATE, request: {
    type: 'ACTION', id: ID, instanceId: INST, payload: s(ls.computedStates[ls.computedStates.length - 1].state),
    action: s(ls.actionsById[ls.nextActionId - 1]), nextActionId: ls.nextActionId, maxAge: 50 } });
}

console.error('features:', JSON.stringify(monitor.getState().instances.options[INST].features));
monitor.dispatch(exportState()); // what ExportButton dispatches: { type: 'devTools/EXPORT' }

if (!downloaded) {
  // 'custom' export: middleware sent { type: LIFTED_ACTION, message: 'EXPORT', toExport: true }
  console.error('sent to app:', JSON.stringify(sent.at(-1)));
  // extension pageScript exportState(): payload = staged actions (minus @@INIT), committedState
  const ls = app.liftedStore.getState();
  const payload = ls.stagedActionIds.slice(1).map((id) => ls.actionsById[id].action);
  monitor.dispatch({ type: UPDATE_STATE, request: {
    type: 'EXPORT', id: ID, instanceId: INST, payload: JSON.stringify(payload),
    committedState: typeof ls.committedState !== 'undefined' ? JSON.stringify(ls.committedState) : undefined } });
}
if (!downloaded) { console.error('no download happened'); process.exit(1); }
fs.writeFileSync(outFile, await downloaded.text());
console.error('wrote', outFile, `(${downloaded.type})`);
