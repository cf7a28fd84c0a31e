//! jsan, the serializer Redux DevTools apps use for `payload` and `action`.
//!
//! Plain JSON, except for two kinds of marker object `{"$jsan": "..."}`:
//! - a reference `"$.path.to[0]"`: a repeated or circular object, pointing at
//!   its first occurrence from the document root;
//! - a tag (`d<ms>` Date, `u` undefined, `r<flags>,<src>` RegExp, `f…`
//!   function, `e<msg>` Error, `m<json>` Map, `l<json>` Set, `n`/`i`/`y`
//!   NaN/Infinity/-Infinity, `s…`/`g…` Symbol) from the app's `serialize` option.
//!
//! A real key named `$jsan` is escaped by wrapping its value in a one-element
//! array. [`resolve`] turns all of this into plain, readable values: references
//! become copies of their target, references that would recurse forever become
//! the string `"[Circular $.path]"`, and nothing can overflow the stack or
//! expand without bound.

use serde_json::{Map, Value};

/// Deeper than this, a subtree becomes the string `"[Too deep]"`.
pub(crate) const MAX_DEPTH: usize = 256;
/// Expanding references copies at most this many nodes per node of the
/// input: a message's cost stays proportional to its size, whatever its
/// references do (an app with normalized state, or a buggy one, cannot stall
/// rdx for every other app).
const COPIES_PER_NODE: usize = 4;
/// ... and at least this many, so small messages are never cut.
const COPIES_FLOOR: usize = 10_000;

const KEY: &str = "$jsan";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefStep {
    Key(String),
    Index(usize),
}

/// True if the value contains any object with a `$jsan` key.
pub(crate) fn has_markers(v: &Value) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) => {
                if o.contains_key(KEY) {
                    return true;
                }
                stack.extend(o.values());
            }
            Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    false
}

/// Parse a reference path: `$`, then `.key`, `.5`, `[0]`, `["odd key"]`, `['k']`.
pub fn parse_ref_path(path: &str) -> Result<Vec<RefStep>, String> {
    let chars: Vec<char> = path.chars().collect();
    if chars.first() != Some(&'$') {
        return Err(format!("reference {path:?} does not start with $"));
    }
    let mut segs = Vec::new();
    let mut i = 1;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j] != '.' && chars[j] != '[' {
                    j += 1;
                }
                if j == start {
                    return Err(format!("empty key at character {} of {path:?}", start + 1));
                }
                segs.push(RefStep::Key(chars[start..j].iter().collect()));
                i = j;
            }
            '[' => {
                let q = chars.get(i + 1).copied();
                if q == Some('"') || q == Some('\'') {
                    let quote = q.unwrap_or('"');
                    let mut key = String::new();
                    let mut j = i + 2;
                    loop {
                        match chars.get(j) {
                            None => return Err(format!("unterminated string in {path:?}")),
                            Some('\\') => {
                                match chars.get(j + 1) {
                                    Some('u') => {
                                        let hex: String =
                                            chars.get(j + 2..j + 6).unwrap_or(&[]).iter().collect();
                                        let c = u32::from_str_radix(&hex, 16)
                                            .ok()
                                            .and_then(char::from_u32);
                                        key.push(c.ok_or_else(|| {
                                            format!("bad \\u escape in {path:?}")
                                        })?);
                                        j += 6;
                                        continue;
                                    }
                                    Some('n') => key.push('\n'),
                                    Some('t') => key.push('\t'),
                                    Some(c) => key.push(*c),
                                    None => return Err(format!("unterminated string in {path:?}")),
                                }
                                j += 2;
                            }
                            Some(c) if *c == quote => break,
                            Some(c) => {
                                key.push(*c);
                                j += 1;
                            }
                        }
                    }
                    if chars.get(j + 1) != Some(&']') {
                        return Err(format!("expected ] at character {} of {path:?}", j + 2));
                    }
                    segs.push(RefStep::Key(key));
                    i = j + 2;
                } else {
                    let start = i + 1;
                    let mut j = start;
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    if j == start || chars.get(j) != Some(&']') {
                        return Err(format!("bad index at character {} of {path:?}", start + 1));
                    }
                    let n: String = chars[start..j].iter().collect();
                    segs.push(RefStep::Index(
                        n.parse()
                            .map_err(|_| format!("index too large in {path:?}"))?,
                    ));
                    i = j + 1;
                }
            }
            c => {
                return Err(format!(
                    "unexpected {c:?} at character {} of {path:?}",
                    i + 1
                ));
            }
        }
    }
    Ok(segs)
}

/// Look up a reference target in the original document.
fn lookup<'a>(root: &'a Value, segs: &[RefStep]) -> Option<&'a Value> {
    let mut cur = root;
    for s in segs {
        cur = match (cur, s) {
            (Value::Object(o), RefStep::Key(k)) => o.get(k)?,
            (Value::Object(o), RefStep::Index(i)) => o.get(&i.to_string())?,
            (Value::Array(a), RefStep::Index(i)) => a.get(*i)?,
            (Value::Array(a), RefStep::Key(k)) => a.get(k.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Same position? Keys "5" and indexes 5 name the same place.
fn seg_eq(a: &RefStep, b: &RefStep) -> bool {
    match (a, b) {
        (RefStep::Key(x), RefStep::Key(y)) => x == y,
        (RefStep::Index(x), RefStep::Index(y)) => x == y,
        (RefStep::Key(k), RefStep::Index(i)) | (RefStep::Index(i), RefStep::Key(k)) => {
            *k == i.to_string()
        }
    }
}

struct Resolver<'a> {
    root: &'a Value,
    /// Where the references being expanded sit (each in the coordinates of
    /// the expansion around it), innermost last. A reference to a prefix of
    /// any of them, or of the current position, would recurse forever.
    expanding: Vec<Vec<RefStep>>,
    budget: usize,
    /// The size of each elided target, counted once.
    sizes: std::collections::HashMap<&'a str, usize>,
}

/// How many nodes `v` has (stopping at `cap`), references not followed.
fn count_nodes(v: &Value, cap: usize) -> usize {
    let mut n = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        n += 1;
        if n >= cap {
            return cap;
        }
        match v {
            Value::Object(o) => stack.extend(o.values()),
            Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    n
}

/// Resolve every jsan marker in `root`. Never panics; bounded in depth, and
/// in size by the size of `root` (see [`COPIES_PER_NODE`]): what does not fit
/// becomes `"[Elided $.path: N nodes]"`.
pub fn resolve(root: Value) -> Value {
    let budget = COPIES_PER_NODE
        .saturating_mul(count_nodes(&root, usize::MAX))
        .max(COPIES_FLOOR);
    let mut r = Resolver {
        root: &root,
        expanding: Vec::new(),
        budget,
        sizes: std::collections::HashMap::new(),
    };
    let mut pos = Vec::new();
    r.node(&root, &mut pos, 0)
}

impl<'a> Resolver<'a> {
    /// Resolve `v`, which sits at `pos` in the original document.
    fn node(&mut self, v: &'a Value, pos: &mut Vec<RefStep>, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::String("[Too deep]".into());
        }
        if !self.expanding.is_empty() {
            // Only copies made by expanding references count: a big plain
            // document is never cut.
            self.budget = self.budget.saturating_sub(1);
        }
        match v {
            Value::Object(o) => {
                if o.len() == 1
                    && let Some(Value::String(marker)) = o.get(KEY)
                {
                    return self.marker(marker, pos, depth);
                }
                let mut out = Map::with_capacity(o.len());
                for (k, child) in o {
                    // An escaped real `$jsan` key: its value wrapped in a 1-element array.
                    let child_v = match child {
                        Value::Array(a) if k == KEY && a.len() == 1 => &a[0],
                        other => other,
                    };
                    pos.push(RefStep::Key(k.clone()));
                    let r = self.node(child_v, pos, depth + 1);
                    pos.pop();
                    out.insert(k.clone(), r);
                }
                Value::Object(out)
            }
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for (i, child) in a.iter().enumerate() {
                    pos.push(RefStep::Index(i));
                    out.push(self.node(child, pos, depth + 1));
                    pos.pop();
                }
                Value::Array(out)
            }
            other => other.clone(),
        }
    }

    fn marker(&mut self, marker: &'a str, pos: &[RefStep], depth: usize) -> Value {
        if !marker.starts_with('$') {
            return tag(marker).unwrap_or_else(|| {
                let mut m = Map::new();
                m.insert(KEY.into(), Value::String(marker.to_string()));
                Value::Object(m)
            });
        }
        let Ok(target_pos) = parse_ref_path(marker) else {
            return Value::String(format!("[Unresolved {marker}]"));
        };
        let prefix_of = |p: &[RefStep]| {
            target_pos.len() <= p.len() && target_pos.iter().zip(p).all(|(a, b)| seg_eq(a, b))
        };
        if prefix_of(pos) || self.expanding.iter().any(|p| prefix_of(p)) {
            return Value::String(format!("[Circular {marker}]"));
        }
        let Some(target) = lookup(self.root, &target_pos) else {
            return Value::String(format!("[Unresolved {marker}]"));
        };
        if self.budget == 0 {
            let n = *self
                .sizes
                .entry(marker)
                .or_insert_with(|| count_nodes(target, 1_000_000));
            let more = if n >= 1_000_000 { "+" } else { "" };
            return Value::String(format!("[Elided {marker}: {n}{more} nodes]"));
        }
        self.expanding.push(pos.to_vec());
        let mut tpos = target_pos;
        let out = self.node(target, &mut tpos, depth + 1);
        self.expanding.pop();
        out
    }
}

/// Render a tag (`d…`, `u`, `r…`, ...) as a readable value.
fn tag(marker: &str) -> Option<Value> {
    let mut chars = marker.chars();
    let t = chars.next()?;
    let rest = chars.as_str();
    let s = |x: String| Some(Value::String(x));
    match t {
        'd' => match rest.parse::<f64>() {
            Ok(ms) if (0.0..8.64e15).contains(&ms) => s(crate::time::rfc3339_ms(ms as u64)),
            _ => s(format!("[Date {rest}]")),
        },
        'u' => Some(Value::Null),
        'r' => {
            let (flags, src) = rest.split_once(',').unwrap_or(("", rest));
            s(format!("/{src}/{flags}"))
        }
        'f' => s(format!("[Function {rest}]")),
        'e' => s(format!("[Error: {rest}]")),
        'n' => s("NaN".into()),
        'i' => s("Infinity".into()),
        'y' => s("-Infinity".into()),
        's' | 'g' => s(format!("Symbol({rest})")),
        'm' | 'l' => {
            let inner = serde_json::from_str::<Value>(rest).ok()?;
            let inner = if has_markers(&inner) {
                resolve(inner)
            } else {
                inner
            };
            let mut m = Map::new();
            m.insert(if t == 'm' { "[Map]" } else { "[Set]" }.into(), inner);
            Some(Value::Object(m))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
