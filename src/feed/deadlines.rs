//! Deadlines by key, ordered by time: the feed's timers (ledger holds per
//! instance, reload windows per app). Setting, clearing and finding the
//! next one are O(log n), however many keys wait: the feed asks for the
//! next deadline on every event.

use std::borrow::Borrow;
use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

#[derive(Debug)]
pub(crate) struct Deadlines<K> {
    by_time: BTreeSet<(u64, K)>,
    by_key: HashMap<K, u64>,
}

impl<K> Default for Deadlines<K> {
    fn default() -> Self {
        Deadlines {
            by_time: BTreeSet::new(),
            by_key: HashMap::new(),
        }
    }
}

impl<K: Clone + Ord + Hash> Deadlines<K> {
    /// `key` is due at `due` (None: no longer waits). Costs no allocation
    /// when nothing changes.
    pub(crate) fn set<Q>(&mut self, key: &Q, due: Option<u64>)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let Some(d) = due else {
            return self.remove(key);
        };
        match self.by_key.get_mut(key) {
            Some(old) if *old == d => {}
            Some(old) => {
                let k = key.to_owned();
                self.by_time.remove(&(*old, k.clone()));
                *old = d;
                self.by_time.insert((d, k));
            }
            None => {
                let k = key.to_owned();
                self.by_key.insert(k.clone(), d);
                self.by_time.insert((d, k));
            }
        }
    }

    pub(crate) fn remove<Q>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some((k, old)) = self.by_key.remove_entry(key) {
            self.by_time.remove(&(old, k));
        }
    }

    /// The earliest deadline.
    pub(crate) fn first(&self) -> Option<u64> {
        self.by_time.first().map(|(d, _)| *d)
    }

    /// Take out every key due at `now` (all of them when `now` is None),
    /// earliest first.
    pub(crate) fn take_due(&mut self, now: Option<u64>) -> Vec<K> {
        let mut out = Vec::new();
        while let Some((d, _)) = self.by_time.first()
            && now.is_none_or(|n| *d <= n)
        {
            let Some((_, k)) = self.by_time.pop_first() else {
                break;
            };
            self.by_key.remove(&k);
            out.push(k);
        }
        out
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_moved_deadlines_leave_nothing_behind() {
        let mut d: Deadlines<String> = Deadlines::default();
        assert_eq!(d.first(), None);
        d.set("a", Some(30));
        d.set("b", Some(10));
        d.set("c", Some(20));
        assert_eq!(d.first(), Some(10));
        d.set("b", Some(40)); // moved later
        assert_eq!(d.first(), Some(20));
        d.set("c", None);
        assert_eq!(d.first(), Some(30));
        assert_eq!(d.len(), 2);
        assert_eq!(d.take_due(Some(29)), Vec::<String>::new());
        assert_eq!(d.take_due(Some(30)), ["a"]);
        d.set("e", Some(u64::MAX));
        assert_eq!(d.take_due(None), ["b", "e"]);
        assert_eq!((d.len(), d.first()), (0, None));
        d.remove("zz");
    }

    #[test]
    fn a_hundred_thousand_keys_cost_log_n_each() {
        let mut d: Deadlines<u32> = Deadlines::default();
        for k in 0..100_000u32 {
            d.set(&k, Some(u64::from(k % 977)));
        }
        assert_eq!(d.first(), Some(0));
        for k in 0..100_000u32 {
            d.set(&k, Some(1000 + u64::from(k)));
        }
        assert_eq!(d.first(), Some(1000));
        assert_eq!(d.take_due(Some(1009)).len(), 10);
        assert_eq!(d.len(), 99_990);
    }
}
