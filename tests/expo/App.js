import { useEffect } from 'react';
import { Pressable, StyleSheet, Text, View } from 'react-native';
import { Provider, useDispatch, useSelector } from 'react-redux';

import {
  catalogLoaded,
  decrement,
  increment,
  incrementByAmount,
  itemAdded,
  store,
} from './store';

const CATALOG = [
  { id: 'apple', price: 3 },
  { id: 'pear', price: 4 },
  { id: 'plum', price: 5 },
];

function Button({ id, label, onPress }) {
  return (
    <Pressable testID={id} accessibilityRole="button" onPress={onPress} style={styles.button}>
      <Text>{label}</Text>
    </Pressable>
  );
}

function Shop() {
  const dispatch = useDispatch();
  const value = useSelector((s) => s.counter.value);
  const count = useSelector((s) => s.cart.count);
  const catalog = useSelector((s) => s.app.catalog);
  useEffect(() => {
    // After the first render: a load-time action of the page.
    dispatch(catalogLoaded(CATALOG));
  }, [dispatch]);
  const next = catalog.length ? catalog[count % catalog.length].id : 'nothing';
  return (
    <View style={styles.main}>
      <Text testID="value">{value}</Text>
      <Button id="inc" label="+1" onPress={() => dispatch(increment())} />
      <Button id="dec" label="-1" onPress={() => dispatch(decrement())} />
      <Button id="add5" label="+5" onPress={() => dispatch(incrementByAmount(5))} />
      <Text testID="cart-count">{count}</Text>
      <Button id="add-item" label="add to cart" onPress={() => dispatch(itemAdded(next))} />
    </View>
  );
}

export default function App() {
  return (
    <Provider store={store}>
      <Shop />
    </Provider>
  );
}

const styles = StyleSheet.create({
  main: { padding: 24, gap: 8 },
  button: { padding: 8, borderWidth: 1 },
});
