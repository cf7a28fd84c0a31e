//! What `rdx mcp` keeps of each instance for its tools: the newest state
//! and a ring of recent actions, bounded in count and in bytes of JSON, per
//! instance and in total.

use super::*;

/// Recent actions kept per instance, at most.
pub(super) const RING: usize = 200;
/// Bytes of JSON of recent actions (with their diffs) kept per instance.
pub(super) const RING_BYTES: u64 = 4 << 20;
/// ... and for all instances together (the biggest rings lose their oldest
/// actions first).
pub(super) const RINGS_BYTES: u64 = 32 << 20;
/// One action, or one action's diff, in a ring (a bigger one is kept cut:
/// no answer shows more than `MAX_BYTES_CAP` anyway).
pub(super) const ENTRY_BYTES: u64 = MAX_BYTES_CAP;
/// An action type in a ring, in bytes (longer: kept cut).
pub(super) const TYPE_BYTES: usize = 4096;
/// The state kept per instance (a bigger one is kept cut, and says so).
pub(super) const STATE_BYTES: u64 = 16 << 20;
/// The states of all instances together (the least recently updated are
/// dropped first; live, rdx asks the app again when a tool needs one).
pub(super) const STATES_BYTES: u64 = 64 << 20;

/// One action as kept in an instance's ring.
#[derive(Debug, Clone)]
pub(super) struct Recent {
    pub(super) id: Option<i64>,
    pub(super) ty: String,
    pub(super) ts: u64,
    pub(super) via: &'static str,
    pub(super) action: Value,
    /// The action was bigger than [`ENTRY_BYTES`]: `action` is cut.
    pub(super) action_cut: bool,
    /// What it changed (None: the state before or after it is unknown, or
    /// was too big to keep whole).
    pub(super) diff: Option<Vec<Value>>,
    pub(super) diff_cut: bool,
    /// What this entry costs, in bytes of JSON (about).
    pub(super) bytes: u64,
}

/// What rdx knows of one instance beyond the registry.
#[derive(Debug, Default)]
pub(super) struct Seen {
    pub(super) state: Option<Value>,
    pub(super) state_t: u64,
    /// The state as the app sent it, in bytes of JSON (about).
    pub(super) state_bytes: u64,
    /// The state was bigger than [`STATE_BYTES`]: `state` is cut.
    pub(super) state_cut: bool,
    /// The state was dropped to keep all states under [`STATES_BYTES`].
    pub(super) state_dropped: bool,
    /// What the kept state costs (about).
    kept_state: u64,
    pub(super) recent: VecDeque<Recent>,
    ring_bytes: u64,
}

/// Every instance's [`Seen`], and what they cost together.
#[derive(Debug, Default)]
pub(super) struct Kept {
    map: HashMap<String, Seen>,
    rings: u64,
    states: u64,
}

impl Kept {
    pub(super) fn get(&self, k: &str) -> Option<&Seen> {
        self.map.get(k)
    }

    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    pub(super) fn clear(&mut self) {
        *self = Kept::default();
    }

    /// Forget the instances `keep` says no to.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.map.retain(|k, _| keep(k));
        self.rings = self.map.values().map(|s| s.ring_bytes).sum();
        self.states = self.map.values().map(|s| s.kept_state).sum();
    }

    /// Bytes kept now: (rings, states), as counted along, and as counted
    /// again from what is kept.
    #[cfg(test)]
    pub(super) fn bytes(&self) -> ((u64, u64), (u64, u64)) {
        let rings = self
            .map
            .values()
            .flat_map(|s| &s.recent)
            .map(|r| {
                r.ty.len() as u64
                    + weight(&r.action)
                    + r.diff.as_ref().map_or(4, |d| d.iter().map(weight).sum())
                    + 64
            })
            .sum();
        let states = self
            .map
            .values()
            .filter_map(|s| s.state.as_ref())
            .map(weight)
            .sum();
        ((self.rings, self.states), (rings, states))
    }

    /// An action: into the instance's ring, with what it changed; the state
    /// after it becomes the instance's state. Returns the instances whose
    /// states were dropped to make room.
    pub(super) fn action(&mut self, a: crate::feed::ActionItem) -> Vec<String> {
        let ty = clip_str(&a.action.type_name().unwrap_or_default(), TYPE_BYTES);
        let mut edits = None;
        let mut dropped = Vec::new();
        if let Some(new) = a.state {
            let full = weight(&new);
            // What it changed, when both states are kept whole.
            if full <= STATE_BYTES
                && let Some(seen) = self.map.get(&a.instance)
                && !seen.state_cut
                && let Some(old) = &seen.state
            {
                edits = Some(
                    diff(old, &new, DIFF_LIMIT)
                        .iter()
                        .map(|e| e.to_json())
                        .collect::<Vec<_>>(),
                );
            }
            dropped = self.set_state(&a.instance, a.ts, new, full);
        }
        let (action, action_cut) = keep(a.action.into_value(), ENTRY_BYTES);
        let (diff, diff_cut) = match edits {
            Some(e) => match keep(Value::Array(e), ENTRY_BYTES) {
                (Value::Array(e), cut) => (Some(e), cut),
                _ => (None, true),
            },
            None => (None, false),
        };
        let bytes = ty.len() as u64
            + weight(&action)
            + diff.as_ref().map_or(4, |d| d.iter().map(weight).sum())
            + 64;
        let seen = self.map.entry(a.instance.clone()).or_default();
        seen.recent.push_back(Recent {
            id: a.action_id,
            ty,
            ts: a.ts,
            via: a.via.as_str(),
            action,
            action_cut,
            diff,
            diff_cut,
            bytes,
        });
        seen.ring_bytes += bytes;
        self.rings += bytes;
        while seen.recent.len() > RING || (seen.ring_bytes > RING_BYTES && seen.recent.len() > 1) {
            let Some(old) = seen.recent.pop_front() else {
                break;
            };
            seen.ring_bytes -= old.bytes;
            self.rings -= old.bytes;
        }
        while self.rings > RINGS_BYTES {
            // The biggest ring loses its oldest action.
            let Some(big) = self
                .map
                .values_mut()
                .filter(|s| !s.recent.is_empty())
                .max_by_key(|s| s.ring_bytes)
            else {
                break;
            };
            let old = big.recent.pop_front().expect("not empty");
            big.ring_bytes -= old.bytes;
            self.rings -= old.bytes;
        }
        dropped
    }

    /// A state (from a STATE message): the instance's state now. Returns
    /// the instances whose states were dropped to make room.
    pub(super) fn state(&mut self, instance: &str, t: u64, state: Value) -> Vec<String> {
        let full = weight(&state);
        self.set_state(instance, t, state, full)
    }

    /// `full`: the state's [`weight`].
    fn set_state(&mut self, instance: &str, t: u64, state: Value, full: u64) -> Vec<String> {
        let (state, cut) = keep_weighed(state, full, STATE_BYTES);
        let cost = if cut { weight(&state) } else { full };
        let seen = self.map.entry(instance.to_string()).or_default();
        self.states = self.states - seen.kept_state + cost;
        seen.state = Some(state);
        seen.state_t = t;
        seen.state_bytes = full;
        seen.state_cut = cut;
        seen.state_dropped = false;
        seen.kept_state = cost;
        let mut dropped = Vec::new();
        while self.states > STATES_BYTES {
            // The least recently updated state of another instance goes.
            let Some((k, s)) = self
                .map
                .iter_mut()
                .filter(|(k, s)| s.state.is_some() && k.as_str() != instance)
                .min_by_key(|(_, s)| s.state_t)
            else {
                break;
            };
            s.state = None;
            s.state_dropped = true;
            self.states -= s.kept_state;
            s.kept_state = 0;
            dropped.push(k.clone());
        }
        dropped
    }
}

/// About how many bytes of JSON `v` is (strings without their escapes):
/// cheap, for budgets of what is kept.
pub(super) fn weight(v: &Value) -> u64 {
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 8,
        Value::String(s) => s.len() as u64 + 2,
        Value::Array(a) => 2 + a.iter().map(|v| weight(v) + 1).sum::<u64>(),
        Value::Object(o) => {
            2 + o
                .iter()
                .map(|(k, v)| k.len() as u64 + 4 + weight(v))
                .sum::<u64>()
        }
    }
}

/// `s` cut to at most `max` bytes (at a character boundary), marked.
pub(super) fn clip_str(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let end = cut_point(s, max);
    format!("{}…({} more bytes)", &s[..end], s.len() - end)
}

/// Where [`clip_str`] cuts `s` (longer than `max`): the bytes it keeps.
pub(super) fn cut_point(s: &str, max: usize) -> usize {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// `v` cut to about `max` bytes of JSON, keeping its beginning in document
/// order: once the room is spent, each open string, array and object ends
/// with a marker of what was left out. Returns whether anything was cut.
pub(super) fn keep(v: Value, max: u64) -> (Value, bool) {
    let w = weight(&v);
    keep_weighed(v, w, max)
}

/// [`keep`], `v`'s [`weight`] known.
fn keep_weighed(v: Value, weight: u64, max: u64) -> (Value, bool) {
    if weight <= max {
        return (v, false);
    }
    let mut room = max;
    (keep_in(v, &mut room), true)
}

fn keep_in(v: Value, room: &mut u64) -> Value {
    match v {
        Value::String(s) => {
            let w = s.len() as u64 + 2;
            if w <= *room {
                *room -= w;
                Value::String(s)
            } else {
                let fit = room.saturating_sub(2) as usize;
                *room = 0;
                Value::String(clip_str(&s, fit))
            }
        }
        Value::Array(a) => {
            *room = room.saturating_sub(2);
            let n = a.len();
            let mut out = Vec::new();
            for (i, item) in a.into_iter().enumerate() {
                if *room == 0 {
                    out.push(json!(format!("…({} more items)", n - i)));
                    break;
                }
                *room = room.saturating_sub(1);
                out.push(keep_in(item, room));
            }
            Value::Array(out)
        }
        Value::Object(o) => {
            *room = room.saturating_sub(2);
            let n = o.len();
            let mut out = Map::new();
            for (i, (k, item)) in o.into_iter().enumerate() {
                let kw = k.len() as u64 + 4;
                if *room <= kw {
                    *room = 0;
                    out.insert("…".into(), json!(format!("…({} more keys)", n - i)));
                    break;
                }
                *room -= kw;
                let item = keep_in(item, room);
                out.insert(k, item);
            }
            Value::Object(out)
        }
        scalar => {
            *room = room.saturating_sub(weight(&scalar));
            scalar
        }
    }
}
