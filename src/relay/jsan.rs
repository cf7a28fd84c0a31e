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

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

/// Deeper than this, a subtree becomes the string `"[Too deep]"`: the one
/// depth bound of every decoded value, tags inside tags included. Below
/// serde_json's parser limit (128), so a line rdx writes, which wraps a
/// value two or three levels deep, parses back with the common defaults.
pub(crate) const MAX_DEPTH: usize = 100;

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

/// What resolving may cost, and what it did cost. One budget and one depth
/// bound are shared by a document and every Map or Set tag decoded inside it
/// (a tag's text is parsed and resolved as a document of its own).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cost {
    /// Bytes that copying references may still spend: each copy costs its
    /// [`weight`], each reference followed inside a copy its path's length
    /// for every expansion around it (comparing and walking the path).
    pub(crate) budget: usize,
    /// Bytes of reference paths parsed (each distinct path once).
    pub(crate) parsed: usize,
}

/// Expanding references may add this many bytes per byte of the input ...
pub(crate) const COPY_BYTES_PER_BYTE: usize = 3;
/// ... and at least this many, so small messages are never cut.
pub(crate) const COPY_BYTES_FLOOR: usize = 256 * 1024;
/// A reference path longer than this is shown cut in `[Circular …]`,
/// `[Unresolved …]` and `[Elided …]`.
const SHOWN_PATH: usize = 120;

struct Resolver<'a> {
    root: &'a Value,
    /// Where the references being expanded sit (each in the coordinates of
    /// the expansion around it), innermost last. A reference to a prefix of
    /// any of them, or of the current position, would recurse forever.
    expanding: Vec<Vec<RefStep>>,
    cost: Cost,
    /// Each reference path parsed once, by where its text lies in `root`
    /// (a copied reference is the same text).
    paths: HashMap<(usize, usize), Option<Rc<[RefStep]>>>,
    /// The size in bytes of each target looked at (by address), or `None`
    /// where it was over the budget left at the time.
    sizes: HashMap<usize, Option<usize>>,
}

/// What a node costs beyond its text, in bytes: about what it takes as a
/// tree in memory (a `Value`, its slot in an array or map).
const NODE_BYTES: usize = 32;

/// What `v` costs to hold and to write, in bytes (references not followed):
/// its size as JSON text, every escape counted as written, plus
/// `per_node` a node ([`NODE_BYTES`] for a copy, 0 for the input's own
/// size). Stops once over `cap`: `None` then.
pub(crate) fn weight(v: &Value, per_node: usize, cap: usize) -> Option<usize> {
    fn text(s: &str) -> usize {
        // quotes, and an escape (`\u0000` at worst) for each byte that needs one
        let escaped = s
            .bytes()
            .filter(|b| *b < 0x20 || *b == b'"' || *b == b'\\')
            .count();
        s.len() + 2 + 5 * escaped
    }
    let mut n = 0usize;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        n = n.saturating_add(
            per_node
                + match v {
                    Value::Object(o) => {
                        stack.extend(o.values());
                        2 + o.keys().map(|k| text(k) + 2).sum::<usize>()
                    }
                    Value::Array(a) => {
                        stack.extend(a.iter());
                        2 + a.len()
                    }
                    Value::String(s) => text(s),
                    Value::Number(_) => 24,
                    Value::Bool(_) | Value::Null => 5,
                },
        );
        if n > cap {
            return None;
        }
    }
    Some(n)
}

/// Resolve every jsan marker in `root`. Never panics; bounded in depth
/// ([`MAX_DEPTH`], across nested tags too), and in cost by the size of
/// `root`: copying references adds at most [`COPY_BYTES_PER_BYTE`] bytes of
/// [`weight`] per byte of `root`'s own (at least [`COPY_BYTES_FLOOR`]), so
/// the output, as text and as a tree, is at most that much bigger than the
/// input. A reference that does not fit becomes `"[Elided $.path: N bytes]"`.
pub fn resolve(root: Value) -> Value {
    resolve_costed(root).0
}

/// [`resolve`], with what it cost.
pub(crate) fn resolve_costed(root: Value) -> (Value, Cost) {
    let size = weight(&root, 0, usize::MAX).unwrap_or(usize::MAX);
    let cost = Cost {
        budget: size
            .saturating_mul(COPY_BYTES_PER_BYTE)
            .max(COPY_BYTES_FLOOR),
        parsed: 0,
    };
    let (v, cost) = Resolver::run(&root, cost, 0);
    (v, cost)
}

/// A path as shown in a marker string: cut when long.
fn shown(marker: &str) -> std::borrow::Cow<'_, str> {
    if marker.len() <= SHOWN_PATH {
        return marker.into();
    }
    let mut end = SHOWN_PATH;
    while !marker.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &marker[..end], marker.len()).into()
}

impl<'a> Resolver<'a> {
    /// Resolve the document `root`, which sits `depth` deep in what is
    /// being decoded, spending from `cost`.
    fn run(root: &'a Value, cost: Cost, depth: usize) -> (Value, Cost) {
        let mut r = Resolver {
            root,
            expanding: Vec::new(),
            cost,
            paths: HashMap::new(),
            sizes: HashMap::new(),
        };
        let v = r.node(root, &mut Vec::new(), depth);
        (v, r.cost)
    }

    fn spend(&mut self, n: usize) -> bool {
        match self.cost.budget.checked_sub(n) {
            Some(left) => {
                self.cost.budget = left;
                true
            }
            None => {
                self.cost.budget = 0;
                false
            }
        }
    }

    /// Resolve `v`, which sits at `pos` in the original document.
    fn node(&mut self, v: &'a Value, pos: &mut Vec<RefStep>, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::String("[Too deep]".into());
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

    fn marker(&mut self, marker: &'a str, pos: &mut Vec<RefStep>, depth: usize) -> Value {
        if !marker.starts_with('$') {
            return self.tag(marker, depth).unwrap_or_else(|| {
                let mut m = Map::new();
                m.insert(KEY.into(), Value::String(marker.to_string()));
                Value::Object(m)
            });
        }
        // Comparing the path with every position being expanded, and
        // walking it, cost its length each (nothing at the top level: a
        // plain document's own references are paid for by its size).
        if !self.expanding.is_empty()
            && !self.spend(marker.len().saturating_mul(self.expanding.len() + 1))
        {
            return Value::String(format!("[Elided {}: over budget]", shown(marker)));
        }
        let key = (marker.as_ptr() as usize, marker.len());
        let parsed = match self.paths.get(&key) {
            Some(p) => p.clone(),
            None => {
                self.cost.parsed = self.cost.parsed.saturating_add(marker.len());
                let p = parse_ref_path(marker).ok().map(Rc::from);
                self.paths.insert(key, p.clone());
                p
            }
        };
        let Some(target_pos) = parsed else {
            return Value::String(format!("[Unresolved {}]", shown(marker)));
        };
        let prefix_of = |p: &[RefStep]| {
            target_pos.len() <= p.len() && target_pos.iter().zip(p).all(|(a, b)| seg_eq(a, b))
        };
        if prefix_of(pos) || self.expanding.iter().any(|p| prefix_of(p)) {
            return Value::String(format!("[Circular {}]", shown(marker)));
        }
        let Some(target) = lookup(self.root, &target_pos) else {
            return Value::String(format!("[Unresolved {}]", shown(marker)));
        };
        // The copy costs the target's size, paid before it is made; what is
        // over the budget left is elided whole (and its size measured only
        // up to that budget, and paid for, so elisions cost no more).
        let addr = target as *const Value as usize;
        let budget = self.cost.budget;
        let size = *self
            .sizes
            .entry(addr)
            .or_insert_with(|| weight(target, NODE_BYTES, budget));
        let fits = size.is_some_and(|n| self.spend(n));
        if !fits {
            if size.is_none() {
                self.spend(budget);
            }
            return Value::String(match size {
                Some(n) => format!("[Elided {}: {n} bytes]", shown(marker)),
                None => format!("[Elided {}: over {budget} bytes]", shown(marker)),
            });
        }
        let here = std::mem::replace(pos, target_pos.to_vec());
        self.expanding.push(here);
        let out = self.node(target, pos, depth + 1);
        let here = self.expanding.pop().unwrap_or_default();
        *pos = here;
        out
    }

    /// A tag (`d…`, `u`, `r…`, ...) as a readable value. A Map or Set's text
    /// is a document of its own, resolved where it sits: as deep as the tag,
    /// and from the same budget.
    fn tag(&mut self, marker: &str, depth: usize) -> Option<Value> {
        let t = marker.chars().next()?;
        if t != 'm' && t != 'l' {
            return tag(marker);
        }
        if depth >= MAX_DEPTH {
            return Some(Value::String("[Too deep]".into()));
        }
        let inner = serde_json::from_str::<Value>(&marker[1..]).ok()?;
        let (inner, cost) = Resolver::run(&inner, self.cost, depth + 1);
        self.cost = cost;
        let mut m = Map::new();
        m.insert(if t == 'm' { "[Map]" } else { "[Set]" }.into(), inner);
        Some(Value::Object(m))
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
        _ => None,
    }
}

#[doc(hidden)]
pub mod hostile;

#[cfg(test)]
mod tests;
