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
pub const MAX_DEPTH: usize = 256;
/// At most this many nodes are copied by expanding references.
const NODE_BUDGET: usize = 1_000_000;

const KEY: &str = "$jsan";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// True if the value contains any object with a `$jsan` key.
pub fn has_markers(v: &Value) -> bool {
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
pub fn parse_ref_path(path: &str) -> Result<Vec<Seg>, String> {
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
                segs.push(Seg::Key(chars[start..j].iter().collect()));
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
                    segs.push(Seg::Key(key));
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
                    segs.push(Seg::Index(
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
fn lookup<'a>(root: &'a Value, segs: &[Seg]) -> Option<&'a Value> {
    let mut cur = root;
    for s in segs {
        cur = match (cur, s) {
            (Value::Object(o), Seg::Key(k)) => o.get(k)?,
            (Value::Object(o), Seg::Index(i)) => o.get(&i.to_string())?,
            (Value::Array(a), Seg::Index(i)) => a.get(*i)?,
            (Value::Array(a), Seg::Key(k)) => a.get(k.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Same position? Keys "5" and indexes 5 name the same place.
fn seg_eq(a: &Seg, b: &Seg) -> bool {
    match (a, b) {
        (Seg::Key(x), Seg::Key(y)) => x == y,
        (Seg::Index(x), Seg::Index(y)) => x == y,
        (Seg::Key(k), Seg::Index(i)) | (Seg::Index(i), Seg::Key(k)) => *k == i.to_string(),
    }
}

struct Resolver<'a> {
    root: &'a Value,
    /// Where the references being expanded sit (each in the coordinates of
    /// the expansion around it), innermost last. A reference to a prefix of
    /// any of them, or of the current position, would recurse forever.
    expanding: Vec<Vec<Seg>>,
    budget: usize,
}

/// Resolve every jsan marker in `root`. Never panics; bounded in depth and size.
pub fn resolve(root: Value) -> Value {
    let mut r = Resolver {
        root: &root,
        expanding: Vec::new(),
        budget: NODE_BUDGET,
    };
    let mut pos = Vec::new();
    r.node(&root, &mut pos, 0)
}

impl<'a> Resolver<'a> {
    /// Resolve `v`, which sits at `pos` in the original document.
    fn node(&mut self, v: &'a Value, pos: &mut Vec<Seg>, depth: usize) -> Value {
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
                    pos.push(Seg::Key(k.clone()));
                    let r = self.node(child_v, pos, depth + 1);
                    pos.pop();
                    out.insert(k.clone(), r);
                }
                Value::Object(out)
            }
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for (i, child) in a.iter().enumerate() {
                    pos.push(Seg::Index(i));
                    out.push(self.node(child, pos, depth + 1));
                    pos.pop();
                }
                Value::Array(out)
            }
            other => other.clone(),
        }
    }

    fn marker(&mut self, marker: &'a str, pos: &[Seg], depth: usize) -> Value {
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
        let prefix_of = |p: &[Seg]| {
            target_pos.len() <= p.len() && target_pos.iter().zip(p).all(|(a, b)| seg_eq(a, b))
        };
        if prefix_of(pos) || self.expanding.iter().any(|p| prefix_of(p)) {
            return Value::String(format!("[Circular {marker}]"));
        }
        if self.budget == 0 {
            return Value::String(format!("[Elided {marker}]"));
        }
        let Some(target) = lookup(self.root, &target_pos) else {
            return Value::String(format!("[Unresolved {marker}]"));
        };
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
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn simple_and_nested_references() {
        let v = json!({"a": {"x": 1}, "b": {"$jsan": "$.a"}, "c": [{"y": 2}, {"$jsan": "$.c[0]"}]});
        assert!(has_markers(&v));
        let r = resolve(v);
        assert_eq!(
            r,
            json!({"a": {"x": 1}, "b": {"x": 1}, "c": [{"y": 2}, {"y": 2}]})
        );
        assert!(!has_markers(&r));
        // a reference to something that itself holds a reference
        let v = json!({"a": {"x": 1}, "b": {"inner": {"$jsan": "$.a"}}, "c": {"$jsan": "$.b"}});
        assert_eq!(resolve(v)["c"], json!({"inner": {"x": 1}}));
    }

    #[test]
    fn real_capture_shapes() {
        let v = json!({"computedStates":[{"state":{"misc":{"x":1}}},{"state":{"misc":{"$jsan":"$.computedStates[0].state.misc"}}}]});
        assert_eq!(
            resolve(v)["computedStates"][1]["state"]["misc"],
            json!({"x": 1})
        );
        let v = json!({"actionsById": {"5": {"action": {"payload": {"a": 1}}}}, "z": {"$jsan": "$.actionsById.5.action.payload.a"}});
        assert_eq!(resolve(v)["z"], json!(1));
        // .5 on an array is index 5
        let v = json!({"l": [0, 1, 2, 3, 4, {"k": true}], "r": {"$jsan": "$.l.5"}});
        assert_eq!(resolve(v)["r"], json!({"k": true}));
    }

    #[test]
    fn bracket_quoted_keys() {
        assert_eq!(
            parse_ref_path(r#"$["odd key"].x['y z'][3]"#).unwrap(),
            vec![
                Seg::Key("odd key".into()),
                Seg::Key("x".into()),
                Seg::Key("y z".into()),
                Seg::Index(3)
            ]
        );
        assert_eq!(
            parse_ref_path(r#"$["q\"uote"]"#).unwrap(),
            vec![Seg::Key("q\"uote".into())]
        );
        let v = json!({"odd key": [5], "r": {"$jsan": "$[\"odd key\"][0]"}});
        assert_eq!(resolve(v)["r"], json!(5));
    }

    #[test]
    fn circular_references() {
        let v = json!({"self": {"$jsan": "$"}});
        assert_eq!(resolve(v)["self"], json!("[Circular $]"));
        let v = json!({"a": {"b": {"up": {"$jsan": "$.a"}}}});
        assert_eq!(resolve(v)["a"]["b"]["up"], json!("[Circular $.a]"));
        // a -> b -> a through references
        let v = json!({"a": {"n": {"$jsan": "$.b"}}, "b": {"n": {"$jsan": "$.a"}}});
        let r = resolve(v);
        assert_eq!(r["a"]["n"]["n"], json!("[Circular $.a]"));
    }

    #[test]
    fn dangling_and_malformed_references() {
        let v = json!({"r": {"$jsan": "$.nowhere.x"}, "m": {"$jsan": "$[oops"}, "t": {"$jsan": "$.a."}});
        let r = resolve(v);
        assert_eq!(r["r"], json!("[Unresolved $.nowhere.x]"));
        assert_eq!(r["m"], json!("[Unresolved $[oops]"));
        assert_eq!(r["t"], json!("[Unresolved $.a.]"));
        assert!(parse_ref_path("x.y").is_err());
        assert!(parse_ref_path("$[\"open").is_err());
        assert!(parse_ref_path("$[99999999999999999999999]").is_err());
    }

    #[test]
    fn tags() {
        let v = json!([
            {"$jsan": "d1795520108713"}, {"$jsan": "u"}, {"$jsan": "rgi,a+b"}, {"$jsan": "ffunction foo() {}"},
            {"$jsan": "eboom"}, {"$jsan": "n"}, {"$jsan": "i"}, {"$jsan": "y"}, {"$jsan": "sfoo"},
            {"$jsan": "m[[\"k\",1]]"}, {"$jsan": "l[1,2]"}, {"$jsan": "dnot-a-date"}, {"$jsan": "zunknown"}
        ]);
        let r = resolve(v);
        assert_eq!(r[0], json!("2026-11-24T11:35:08.713Z"));
        assert_eq!(r[1], Value::Null);
        assert_eq!(r[2], json!("/a+b/gi"));
        assert_eq!(r[3], json!("[Function function foo() {}]"));
        assert_eq!(r[4], json!("[Error: boom]"));
        assert_eq!(
            (r[5].clone(), r[6].clone(), r[7].clone()),
            (json!("NaN"), json!("Infinity"), json!("-Infinity"))
        );
        assert_eq!(r[8], json!("Symbol(foo)"));
        assert_eq!(r[9], json!({"[Map]": [["k", 1]]}));
        assert_eq!(r[10], json!({"[Set]": [1, 2]}));
        assert_eq!(r[11], json!("[Date not-a-date]"));
        assert_eq!(r[12], json!({"$jsan": "zunknown"}));
    }

    #[test]
    fn escaped_real_jsan_key() {
        let v = json!({"obj": {"$jsan": ["$.not.a.ref"]}, "with": {"$jsan": ["x"], "other": 1}});
        let r = resolve(v);
        assert_eq!(r["obj"], json!({"$jsan": "$.not.a.ref"}));
        assert_eq!(r["with"], json!({"$jsan": "x", "other": 1}));
    }

    #[test]
    fn depth_is_bounded() {
        // built by hand: deeper than serde_json's parser would allow
        let mut v = json!(1);
        for _ in 0..1000 {
            v = Value::Array(vec![v]);
        }
        let wrapped = json!({"deep": v, "r": {"$jsan": "$.deep"}});
        let r = resolve(wrapped);
        let mut cur = &r["deep"];
        let mut depth = 0;
        while let Value::Array(a) = cur {
            cur = &a[0];
            depth += 1;
        }
        assert_eq!(cur, &json!("[Too deep]"));
        assert!(depth <= MAX_DEPTH);
        // dismantle without deep recursive drops
        fn flatten(v: Value) {
            let mut stack = vec![v];
            while let Some(v) = stack.pop() {
                match v {
                    Value::Array(a) => stack.extend(a),
                    Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
                    _ => {}
                }
            }
        }
        flatten(r);
    }

    #[test]
    fn fan_out_is_bounded() {
        // level i holds two references to level i-1: 2^30 nodes if expanded fully
        let mut m = Map::new();
        m.insert("l0".into(), json!({"leaf": [1, 2, 3, 4, 5, 6, 7, 8]}));
        for i in 1..30 {
            let r = format!("$.l{}", i - 1);
            m.insert(
                format!("l{i}"),
                json!({"a": {"$jsan": r}, "b": {"$jsan": r}}),
            );
        }
        let start = std::time::Instant::now();
        let r = resolve(Value::Object(m));
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
        assert!(serde_json::to_string(&r).unwrap().contains("[Elided $.l"));
    }
}
