// The store, wired as redux-devtools-expo-dev-plugin's README says: RTK's
// configureStore with its own DevTools off and the plugin's enhancer added.
// On web, `?name=` in the page URL names the app (default expo-shop).
import { configureStore, createSlice } from '@reduxjs/toolkit';
import devToolsEnhancer from 'redux-devtools-expo-dev-plugin';

const counter = createSlice({
  name: 'counter',
  initialState: { value: 0 },
  reducers: {
    increment: (s) => {
      s.value += 1;
    },
    decrement: (s) => {
      s.value -= 1;
    },
    incrementByAmount: (s, a) => {
      s.value += a.payload;
    },
  },
});

const cart = createSlice({
  name: 'cart',
  initialState: { count: 0, items: [] },
  reducers: {
    itemAdded: (s, a) => {
      s.items.push(a.payload);
      s.count = s.items.length;
    },
  },
});

const app = createSlice({
  name: 'app',
  initialState: { booted: false, catalog: [] },
  reducers: {
    booted: (s) => {
      s.booted = true;
    },
    catalogLoaded: (s, a) => {
      s.catalog = a.payload;
    },
  },
});

export const { increment, decrement, incrementByAmount } = counter.actions;
export const { itemAdded } = cart.actions;
export const { booted, catalogLoaded } = app.actions;

function appName() {
  const search = typeof window !== 'undefined' && window.location ? window.location.search : '';
  return new URLSearchParams(search || '').get('name') || 'expo-shop';
}

// Every action dispatched, in order (test hook: the driver reads it).
const dispatched = [];
const record = () => (next) => (action) => {
  dispatched.push({ type: action.type, payload: action.payload, at: Date.now() });
  return next(action);
};

export const store = configureStore({
  reducer: { counter: counter.reducer, cart: cart.reducer, app: app.reducer },
  devTools: false,
  middleware: (getDefault) => getDefault().concat(record),
  enhancers: (getDefault) => getDefault().concat(devToolsEnhancer({ name: appName() })),
});

if (typeof window !== 'undefined') {
  window.__store = store; // test hook: dispatch directly, read the state
  window.__dispatched = dispatched;
}

// At load, before any monitor asked for anything: only in the lifted history.
store.dispatch(booted());
