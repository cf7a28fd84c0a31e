//! What changed between two states: a structural diff with jq-style paths.

use serde_json::{Value, json};

use crate::query::paths::{Seg, display_segs};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Edit {
    Added {
        path: String,
        new: Value,
    },
    Removed {
        path: String,
        old: Value,
    },
    Changed {
        path: String,
        old: Value,
        new: Value,
    },
}

impl Edit {
    #[cfg(test)]
    pub(crate) fn path(&self) -> &str {
        match self {
            Edit::Added { path, .. } | Edit::Removed { path, .. } | Edit::Changed { path, .. } => {
                path
            }
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        match self {
            Edit::Added { path, new } => json!({"op": "add", "path": path, "new": new}),
            Edit::Removed { path, old } => json!({"op": "remove", "path": path, "old": old}),
            Edit::Changed { path, old, new } => {
                json!({"op": "change", "path": path, "old": old, "new": new})
            }
        }
    }
}

/// Below this depth a difference is reported as one change of the subtree.
const MAX_DEPTH: usize = 64;

/// Structural diff of `old` → `new`, at most `limit` changes.
pub(crate) fn diff(old: &Value, new: &Value, limit: usize) -> Vec<Edit> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(old, new, &mut path, &mut out, limit);
    out
}

fn walk(old: &Value, new: &Value, path: &mut Vec<Seg>, out: &mut Vec<Edit>, limit: usize) {
    if out.len() >= limit || old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) if path.len() < MAX_DEPTH => {
            for (k, nv) in b {
                if out.len() >= limit {
                    return;
                }
                path.push(Seg::Key(k.clone()));
                match a.get(k) {
                    Some(ov) => walk(ov, nv, path, out, limit),
                    None => out.push(Edit::Added {
                        path: display_segs(path),
                        new: nv.clone(),
                    }),
                }
                path.pop();
            }
            for (k, ov) in a {
                if out.len() >= limit {
                    return;
                }
                if !b.contains_key(k) {
                    path.push(Seg::Key(k.clone()));
                    out.push(Edit::Removed {
                        path: display_segs(path),
                        old: ov.clone(),
                    });
                    path.pop();
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if path.len() < MAX_DEPTH => {
            for i in 0..a.len().max(b.len()) {
                if out.len() >= limit {
                    return;
                }
                path.push(Seg::Index(i));
                match (a.get(i), b.get(i)) {
                    (Some(ov), Some(nv)) => walk(ov, nv, path, out, limit),
                    (None, Some(nv)) => out.push(Edit::Added {
                        path: display_segs(path),
                        new: nv.clone(),
                    }),
                    (Some(ov), None) => out.push(Edit::Removed {
                        path: display_segs(path),
                        old: ov.clone(),
                    }),
                    (None, None) => {}
                }
                path.pop();
            }
        }
        _ => out.push(Edit::Changed {
            path: display_segs(path),
            old: old.clone(),
            new: new.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_change_add_remove() {
        let a = json!({"counter": {"value": 1}, "gone": true, "todos": [{"id": 1}]});
        let b = json!({"counter": {"value": 2}, "todos": [{"id": 1}, {"id": 2}], "new": "x"});
        let d = diff(&a, &b, 100);
        assert_eq!(
            d,
            vec![
                Edit::Changed {
                    path: ".counter.value".into(),
                    old: json!(1),
                    new: json!(2)
                },
                Edit::Added {
                    path: ".todos[1]".into(),
                    new: json!({"id": 2})
                },
                Edit::Added {
                    path: ".new".into(),
                    new: json!("x")
                },
                Edit::Removed {
                    path: ".gone".into(),
                    old: json!(true)
                },
            ]
        );
        assert_eq!(
            d[0].to_json(),
            json!({"op":"change","path":".counter.value","old":1,"new":2})
        );
        assert_eq!(d[3].path(), ".gone");
    }

    #[test]
    fn arrays_shrink_and_types_change() {
        let d = diff(&json!([1, 2, 3]), &json!([1]), 100);
        assert_eq!(d.len(), 2);
        assert!(matches!(&d[0], Edit::Removed { path, .. } if path == "[1]"));
        let d = diff(&json!({"a": {"b": 1}}), &json!({"a": 5}), 100);
        assert_eq!(
            d,
            vec![Edit::Changed {
                path: ".a".into(),
                old: json!({"b": 1}),
                new: json!(5)
            }]
        );
        let d = diff(&json!(1), &json!(2), 100);
        assert_eq!(d[0].path(), ".");
        assert!(diff(&json!({"a": [1]}), &json!({"a": [1]}), 100).is_empty());
        let d = diff(&json!({"odd key": 1}), &json!({"odd key": 2}), 100);
        assert_eq!(d[0].path(), r#".["odd key"]"#);
    }

    #[test]
    fn limit_and_depth_bound() {
        let a: Value = (0..50)
            .map(|i| (i.to_string(), json!(i)))
            .collect::<serde_json::Map<_, _>>()
            .into();
        assert_eq!(diff(&a, &json!({}), 10).len(), 10);
        let mut x = json!(1);
        let mut y = json!(2);
        for _ in 0..100 {
            x = json!({"n": x});
            y = json!({"n": y});
        }
        let d = diff(&x, &y, 10);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path().matches(".n").count(), MAX_DEPTH);
    }
}
