// The reducer of tests/e2e/app.js's stores (Redux Toolkit slices `counter`
// and `todos`), written out plainly: the oracle re-runs it on import.
export default function reducer(state = { counter: { value: 0 }, todos: [] }, action) {
  switch (action.type) {
    case 'counter/incremented':
      return { ...state, counter: { ...state.counter, value: state.counter.value + 1 } };
    case 'counter/set':
      return { ...state, counter: { ...state.counter, value: action.payload } };
    case 'todos/todoAdded':
      return { ...state, todos: [...state.todos, action.payload] };
    default:
      return state;
  }
}
