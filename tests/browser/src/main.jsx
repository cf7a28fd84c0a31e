import './probe.js'; // first: test instrumentation of the page's WebSocket
import { createRoot } from 'react-dom/client';
import { Provider, useDispatch, useSelector } from 'react-redux';
import { addToCart, createShopStore, increment, loadCatalog } from './store.js';

const store = createShopStore(window.location.search);
window.__store = store; // test hook: read the state
store.dispatch(loadCatalog()); // at load, before the DevTools socket is up

function Shop() {
  const dispatch = useDispatch();
  const items = useSelector((s) => s.catalog.items);
  const status = useSelector((s) => s.catalog.status);
  const count = useSelector((s) => s.cart.count);
  const value = useSelector((s) => s.counter.value);
  const next = items.length ? items[count % items.length].id : 'nothing';
  return (
    <main>
      <h1>Shop</h1>
      <p id="status">catalog: {status}</p>
      <ul>
        {items.map((it) => (
          <li key={it.id}>
            {it.title} ({it.price})
          </li>
        ))}
      </ul>
      <p>
        cart: <span id="cart-count">{count}</span>{' '}
        <button id="add-to-cart" onClick={() => dispatch(addToCart(next))}>
          add to cart
        </button>
      </p>
      <p>
        counter: <span id="counter">{value}</span>{' '}
        <button id="increment" onClick={() => dispatch(increment())}>
          increment
        </button>
      </p>
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <Provider store={store}>
    <Shop />
  </Provider>,
);
