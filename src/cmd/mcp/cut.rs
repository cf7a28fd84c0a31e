//! Answers cut to fit an agent's context: every tool result at most
//! `max_bytes` + [`ENVELOPE`] bytes, strings from the wire cut with a
//! marker, lists cut with a count of what was left out, values summarized
//! below some depth; and each answer says what was cut.

use super::*;

use crate::output::json;

/// Bytes a tool result may have beyond `max_bytes`: the MCP envelope (the
/// text item beside `structuredContent`), the fixed fields of the answer and
/// the report of what was cut.
pub(super) const ENVELOPE: u64 = 2048;
/// A string from the wire (id, app name, label, action type, key) in an
/// answer, in bytes, before an answer must be squeezed further.
pub(super) const STR_CAP: usize = 1000;

/// How hard an answer is squeezed to fit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Squeeze {
    /// Longest string from the wire kept whole, in bytes.
    pub(super) str_cap: usize,
    /// Bytes of JSON the bulk of the answer (a value, a list) may take.
    pub(super) bulk: u64,
    /// Leave out what only helps (the largest deeper paths, long notes).
    pub(super) lean: bool,
}

/// What was cut from one answer, for its `truncated` and `cut` fields.
#[derive(Debug, Default)]
pub(super) struct Cuts {
    strings: u64,
    string_bytes: u64,
    lists: Vec<(&'static str, u64)>,
    values: u64,
}

impl Cuts {
    /// `s`, cut to the squeeze's string length (marked), as a JSON string.
    pub(super) fn clip(&mut self, s: &str, sq: &Squeeze) -> Value {
        if s.len() <= sq.str_cap {
            return json!(s);
        }
        self.strings += 1;
        self.string_bytes += (s.len() - kept::cut_point(s, sq.str_cap)) as u64;
        json!(kept::clip_str(s, sq.str_cap))
    }

    /// [`Cuts::clip`] of a string that may be missing (null).
    pub(super) fn clip_opt(&mut self, s: Option<&str>, sq: &Squeeze) -> Value {
        s.map_or(Value::Null, |s| self.clip(s, sq))
    }

    /// `n` entries of the list `what` were left out.
    pub(super) fn left_out(&mut self, what: &'static str, n: u64) {
        if n > 0 {
            self.lists.push((what, n));
        }
    }

    /// The entries of the list `what` that fit in `bulk` bytes of JSON, in
    /// the order given, each made by `make` (which counts what it cut in
    /// its own `Cuts`, merged only for entries that are kept); the rest are
    /// counted as left out.
    pub(super) fn fill<T>(
        &mut self,
        what: &'static str,
        bulk: u64,
        items: impl ExactSizeIterator<Item = T>,
        mut make: impl FnMut(T, &mut Cuts) -> Value,
    ) -> Vec<Value> {
        let total = items.len();
        let mut out = Vec::new();
        let mut used = 2;
        for (n, item) in items.enumerate() {
            let mut mine = Cuts::default();
            let v = make(item, &mut mine);
            let len = json::len(&v) + 1;
            if used + len > bulk {
                self.left_out(what, (total - n) as u64);
                break;
            }
            used += len;
            self.merge(mine);
            out.push(v);
        }
        out
    }

    /// Add what `other` counted.
    pub(super) fn merge(&mut self, other: Cuts) {
        self.strings += other.strings;
        self.string_bytes += other.string_bytes;
        self.values += other.values;
        self.lists.extend(other.lists);
    }

    /// A value (a state, an action, a diff) was shown cut.
    pub(super) fn value(&mut self) {
        self.values += 1;
    }

    fn any(&self) -> bool {
        self.strings + self.values > 0 || !self.lists.is_empty()
    }

    /// Put `truncated` (was anything cut) and, when it was, `cut` (what)
    /// into `m`.
    fn report(&self, m: &mut Map<String, Value>, max: u64) {
        let was = m.get("truncated") == Some(&json!(true));
        m.insert("truncated".into(), json!(was || self.any()));
        if !self.any() {
            return;
        }
        let mut c = Map::new();
        c.insert("max_bytes".into(), json!(max));
        if self.strings > 0 {
            c.insert("strings".into(), json!(self.strings));
            c.insert("string_bytes".into(), json!(self.string_bytes));
        }
        for (what, n) in &self.lists {
            c.insert(format!("{what}_left_out"), json!(n));
        }
        if self.values > 0 {
            c.insert("values".into(), json!(self.values));
        }
        c.insert(
            "note".into(),
            json!(
                "cut to fit max_bytes: a cut string ends in \"…(N more bytes)\", a cut value shows \
                 \"{…N keys, B bytes}\" or \"…(N more items)\"; ask a deeper path, fewer items or a larger max_bytes"
            ),
        );
        m.insert("cut".into(), Value::Object(c));
    }
}

/// The tool result `build` makes, squeezed until the whole result (both
/// copies of the answer and the MCP envelope) is at most `max` +
/// [`ENVELOPE`] bytes: first strings stay up to [`STR_CAP`] bytes and the
/// bulk may take all of that; then the bulk shrinks, then the strings. What
/// cannot fit even then is a tool error saying so.
pub(super) fn fit(max: u64, build: impl Fn(&Squeeze, &mut Cuts) -> Map<String, Value>) -> Value {
    let limit = max + ENVELOPE;
    let attempt = |sq: Squeeze| -> (Value, u64) {
        let mut cuts = Cuts::default();
        let mut m = build(&sq, &mut cuts);
        cuts.report(&mut m, max);
        let r = tool_ok(Value::Object(m));
        let n = json::len(&r);
        (r, n)
    };
    let first = Squeeze {
        str_cap: STR_CAP,
        bulk: limit,
        lean: false,
    };
    let (r, n) = attempt(first);
    if n <= limit {
        return r;
    }
    let mut tried = Some((r, n));
    for (i, str_cap) in [STR_CAP, 200, 48, 16].into_iter().enumerate() {
        let lean = i >= 2;
        // With no bulk at all: if even that is too big, squeeze the strings.
        let (small, n0) = attempt(Squeeze {
            str_cap,
            bulk: 0,
            lean,
        });
        if n0 > limit {
            continue;
        }
        let (r1, n1) = match tried.take() {
            Some(first) if i == 0 => first,
            _ => attempt(Squeeze {
                str_cap,
                bulk: limit,
                lean,
            }),
        };
        if n1 <= limit {
            return r1;
        }
        // The size grows about linearly with the bulk: aim just below the
        // limit, then step down.
        let mut bulk = ((limit - n0) as f64 / (n1 - n0).max(1) as f64 * limit as f64 * 0.95) as u64;
        for _ in 0..6 {
            if bulk == 0 {
                break;
            }
            let (r, n) = attempt(Squeeze {
                str_cap,
                bulk,
                lean,
            });
            if n <= limit {
                return r;
            }
            bulk = bulk * 4 / 5;
        }
        return small;
    }
    tool_err(format!(
        "the answer does not fit in max_bytes ({max}) even cut to its smallest; ask again with a larger max_bytes"
    ))
}

/// A tool error's text cut so that the result is at most `max` +
/// [`ENVELOPE`] bytes.
pub(super) fn fit_err(result: Value, max: u64) -> Value {
    let limit = max + ENVELOPE;
    if json::len(&result) <= limit {
        return result;
    }
    let text = result["content"][0]["text"].as_str().unwrap_or_default();
    // The text is escaped once: a character may cost up to 6 bytes.
    let mut room = (limit as usize).saturating_sub(200);
    loop {
        let cut = kept::clip_str(text, room);
        let r = tool_err(format!(
            "{cut} [cut to fit max_bytes ({max}): {} bytes of this message were left out]",
            text.len() - cut.len().min(text.len())
        ));
        if json::len(&r) <= limit || room == 0 {
            return r;
        }
        room /= 2;
    }
}

/// Put the cutter's value into `out` as `value`, cut to about `sq.bulk`
/// bytes of JSON, with `bytes` (its whole size) and `truncated`; when cut,
/// how much was left out, a note and (unless lean) which deeper paths hold
/// most.
pub(super) fn cut_into(
    out: &mut Map<String, Value>,
    cutter: &Cutter,
    prefix: &str,
    sq: &Squeeze,
    cuts: &mut Cuts,
) {
    let (value, size) = (cutter.value, cutter.size);
    out.insert("bytes".into(), json!(size));
    let (shown, truncated) = cutter.cut(sq);
    if !truncated {
        out.insert("value".into(), shown);
        out.insert("truncated".into(), json!(false));
        return;
    }
    cuts.value();
    let left_out = size.saturating_sub(json::len(&shown));
    out.insert("value".into(), shown);
    out.insert("truncated".into(), json!(true));
    out.insert("omitted_bytes".into(), json!(left_out));
    if sq.lean {
        return;
    }
    let mut biggest: Vec<(String, u64)> = match value {
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .map(|(k, v)| (format!("{prefix}{}", key_path(k)), kept::weight(v)))
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{prefix}[{i}]"), kept::weight(v)))
            .collect(),
        _ => Vec::new(),
    };
    biggest.sort_by_key(|b| std::cmp::Reverse(b.1));
    biggest.truncate(5);
    out.insert(
        "note".into(),
        json!(format!(
            "the value is {size} bytes of JSON, more than fits in max_bytes: about {left_out} bytes were left out; \
             parts shown as \"{{…N keys, B bytes}}\", \"[…N items, B bytes]\" or \"…(N more …)\" were cut. \
             Ask again with a deeper path (the largest parts are listed in largest_paths) or a larger max_bytes."
        )),
    );
    out.insert(
        "largest_paths".into(),
        Value::Array(
            biggest
                .into_iter()
                .map(|(p, b)| json!({"path": cuts.clip(&p, sq), "bytes": b}))
                .collect(),
        ),
    );
}

/// `value` (of `size` bytes of JSON) cut to about `sq.bulk` bytes (see
/// [`Cutter::cut`]). Returns whether it was cut.
pub(super) fn cut_value(value: &Value, size: u64, sq: &Squeeze) -> (Value, bool) {
    Cutter::new(value, size, sq.bulk).cut(sq)
}

/// Entries per object or array a summary keeps: all of them, then fewer.
const ITEMS: [usize; 9] = [usize::MAX, 10_000, 3000, 1000, 300, 100, 30, 10, 5];

/// A value to cut, with the sizes of its summaries worked out once: an
/// answer is squeezed several times, with the same value in it.
pub(super) struct Cutter<'a> {
    value: &'a Value,
    size: u64,
    /// The largest bulk it will be cut to.
    max: u64,
    /// Per string cap: does the value hold longer strings, and its
    /// summaries (entries, depth, bytes, whole).
    plans: std::cell::RefCell<HashMap<usize, Plan>>,
}

struct Plan {
    long_strings: bool,
    summaries: Vec<(usize, usize, u64, bool)>,
}

impl<'a> Cutter<'a> {
    pub(super) fn new(value: &'a Value, size: u64, max: u64) -> Cutter<'a> {
        Cutter {
            value,
            size,
            max,
            plans: Default::default(),
        }
    }

    /// The value cut to about `sq.bulk` bytes: itself when it fits whole
    /// and its strings and keys are short enough, else the biggest summary
    /// that fits (see [`summarize`]: each depth, with at most so many
    /// entries per object or array). Returns whether it was cut.
    pub(super) fn cut(&self, sq: &Squeeze) -> (Value, bool) {
        let cap = sq.str_cap.min(STR_CAP);
        let mut plans = self.plans.borrow_mut();
        let plan = plans
            .entry(cap)
            .or_insert_with(|| Plan::new(self.value, self.size, cap, self.max));
        if self.size <= sq.bulk && !plan.long_strings {
            return (self.value.clone(), false);
        }
        let best = plan
            .summaries
            .iter()
            .filter(|s| s.2 <= sq.bulk)
            .max_by_key(|s| s.2);
        match best {
            Some(&(items, depth, _, whole)) => (summarize(self.value, depth, items, cap), !whole),
            None => (summarize(self.value, 0, usize::MAX, cap), true),
        }
    }
}

impl Plan {
    fn new(value: &Value, size: u64, cap: usize, max: u64) -> Plan {
        let long_strings = has_long_strings(value, cap);
        let mut summaries = Vec::new();
        if size <= max && !long_strings {
            return Plan {
                long_strings,
                summaries,
            };
        }
        // A cap at or above the widest container is no cap.
        let widest = widest(value);
        for items in ITEMS.into_iter().filter(|&n| n == usize::MAX || n < widest) {
            let mut last: Option<Value> = None;
            for depth in 1..=12 {
                let s = summarize(value, depth, items, cap);
                if last.as_ref() == Some(&s) {
                    break; // no deeper structure
                }
                let len = json::len(&s);
                if len > max {
                    break;
                }
                let whole = s == *value;
                summaries.push((items, depth, len, whole));
                if whole {
                    break;
                }
                last = Some(s);
            }
        }
        Plan {
            long_strings,
            summaries,
        }
    }
}

/// The most entries any object or array in `v` has.
fn widest(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.iter().map(widest).max().unwrap_or(0).max(a.len()),
        Value::Object(o) => o.values().map(widest).max().unwrap_or(0).max(o.len()),
        _ => 0,
    }
}

/// Does `v` hold a string or key longer than `cap` bytes?
fn has_long_strings(v: &Value, cap: usize) -> bool {
    match v {
        Value::String(s) => s.len() > cap,
        Value::Array(a) => a.iter().any(|v| has_long_strings(v, cap)),
        Value::Object(o) => o
            .iter()
            .any(|(k, v)| k.len() > cap || has_long_strings(v, cap)),
        _ => false,
    }
}

/// `.key`, or `["odd key"]` when it is not a plain name.
pub(super) fn key_path(k: &str) -> String {
    let plain = !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    if plain {
        format!(".{k}")
    } else {
        format!("[{}]", serde_json::to_string(k).unwrap_or_default())
    }
}

#[cfg(test)]
pub(super) fn json_len(v: &Value) -> u64 {
    json::len(v)
}

/// `v` with everything below `depth` replaced by a summary (its size is
/// about, see [`kept::weight`]), at most `items` entries per object or
/// array, strings and keys cut to `cap` bytes.
pub(super) fn summarize(v: &Value, depth: usize, items: usize, cap: usize) -> Value {
    match v {
        Value::Object(o) if depth == 0 && !o.is_empty() => {
            json!(format!("{{…{} keys, {} bytes}}", o.len(), kept::weight(v)))
        }
        Value::Array(a) if depth == 0 && !a.is_empty() => {
            json!(format!("[…{} items, {} bytes]", a.len(), kept::weight(v)))
        }
        Value::Object(o) => {
            let mut m: Map<String, Value> = o
                .iter()
                .take(items)
                .map(|(k, v)| (kept::clip_str(k, cap), summarize(v, depth - 1, items, cap)))
                .collect();
            if o.len() > items {
                m.insert(
                    "…".into(),
                    json!(format!("…({} more keys)", o.len() - items)),
                );
            }
            Value::Object(m)
        }
        Value::Array(a) => {
            let mut out: Vec<Value> = a
                .iter()
                .take(items)
                .map(|v| summarize(v, depth - 1, items, cap))
                .collect();
            if a.len() > items {
                out.push(json!(format!("…({} more items)", a.len() - items)));
            }
            Value::Array(out)
        }
        Value::String(s) if s.len() > cap => json!(kept::clip_str(s, cap)),
        other => other.clone(),
    }
}
