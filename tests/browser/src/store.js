// The shop's Redux Toolkit store, streaming to the DevTools server given in
// the page's query string: ?hostname=127.0.0.1&port=N&name=shop[&maxAge=K]
import { configureStore, createAsyncThunk, createSlice } from '@reduxjs/toolkit';
import { devToolsEnhancer } from '@redux-devtools/remote';

const CATALOG = [
  { id: 'apple', title: 'Apple', price: 3 },
  { id: 'bread', title: 'Bread', price: 2 },
  { id: 'cheese', title: 'Cheese', price: 7 },
];

// A data fetch without network: pending at once, fulfilled a moment later.
// The page dispatches it at load, before its DevTools socket is even open, so
// neither action is ever sent as an ACTION: they exist only in the lifted
// history that the page sends in its first STATE.
export const loadCatalog = createAsyncThunk('catalog/load', async () => {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return CATALOG;
});

const catalog = createSlice({
  name: 'catalog',
  initialState: { status: 'idle', items: [] },
  reducers: {},
  extraReducers: (b) => {
    b.addCase(loadCatalog.pending, (s) => {
      s.status = 'loading';
    });
    b.addCase(loadCatalog.fulfilled, (s, a) => {
      s.status = 'ready';
      s.items = a.payload;
    });
  },
});

const cart = createSlice({
  name: 'cart',
  initialState: { count: 0, items: [] },
  reducers: {
    added: (s, a) => {
      s.count += 1;
      s.items.push(a.payload);
    },
    cleared: () => ({ count: 0, items: [] }),
  },
});

const counter = createSlice({
  name: 'counter',
  initialState: { value: 0 },
  reducers: {
    incremented: (s) => {
      s.value += 1;
    },
    set: (s, a) => {
      s.value = a.payload;
    },
  },
});

export const { added: addToCart, cleared: clearCart } = cart.actions;
export const { incremented: increment } = counter.actions;

// Every action this page dispatched, for the test driver: {type, payload, at}.
const dispatched = [];
window.__dispatched = dispatched;
const recorder = () => (next) => (action) => {
  if (action && typeof action === 'object' && typeof action.type === 'string') {
    dispatched.push({ type: action.type, payload: action.payload, at: Date.now() });
  }
  return next(action);
};

export function createShopStore(search) {
  const q = new URLSearchParams(search);
  const port = Number(q.get('port') || 8000);
  const hostname = q.get('hostname') || '127.0.0.1';
  const name = q.get('name') || undefined;
  const maxAge = q.get('maxAge') ? Number(q.get('maxAge')) : undefined;
  // ?realtime=0&sendOnError=1: no monitor started; an uncaught error POSTs
  // the page's history to the server as a stored report.
  const realtime = q.get('realtime') !== '0';
  const sendOnError = q.get('sendOnError') ? Number(q.get('sendOnError')) : undefined;
  return configureStore({
    reducer: { catalog: catalog.reducer, cart: cart.reducer, counter: counter.reducer },
    devTools: false,
    middleware: (getDefault) => getDefault().concat(recorder),
    enhancers: (getDefault) =>
      getDefault().concat(
        devToolsEnhancer({ realtime, hostname, port, name, maxAge, sendOnError }),
      ),
  });
}
