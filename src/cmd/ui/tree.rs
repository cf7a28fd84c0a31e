//! The State tab's tree: a JSON value flattened into the lines a person
//! sees, with folded nodes left closed (jless's data mode: one line per
//! node, a container with its child count). Pure: the folds are a set of
//! paths, written as rdx writes paths (`.todos[0]`), so they stay put when
//! the chosen action changes.

use std::collections::HashSet;

use serde_json::Value;

use crate::query::paths::{Seg, display_segs};

/// One line of the tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) depth: usize,
    /// Where the node is, as segments (the root: none).
    pub(crate) path: Vec<Seg>,
    pub(crate) kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// An object or an array: its child count, and whether it is folded.
    Open {
        array: bool,
        children: usize,
        folded: bool,
        /// About how many bytes of JSON it is (compact).
        bytes: usize,
    },
    /// A scalar, as compact JSON (a string quoted).
    Leaf(String),
}

impl Line {
    /// The path as rdx writes it (`.todos[0].title`, `.` for the root).
    pub(crate) fn path_text(&self) -> String {
        display_segs(&self.path)
    }

    /// The node's name in its parent: a key, an index, or `.` for the root.
    pub(crate) fn name(&self) -> String {
        match self.path.last() {
            None => ".".into(),
            Some(Seg::Key(k)) => k.clone(),
            Some(Seg::Index(i)) => i.to_string(),
        }
    }

    pub(crate) fn is_container(&self) -> bool {
        matches!(self.kind, Kind::Open { .. })
    }
}

/// Lines past this many are not made (a huge state stays responsive; the
/// last line says how many were left out).
pub(crate) const MAX_LINES: usize = 200_000;

/// The tree of `root` with the nodes at `folded` paths closed.
pub(crate) fn flatten(root: &Value, folded: &HashSet<String>) -> Vec<Line> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(root, 0, &mut path, folded, &mut out);
    out
}

/// Walk `v` into `out`; its size in bytes of compact JSON.
fn walk(
    v: &Value,
    depth: usize,
    path: &mut Vec<Seg>,
    folded: &HashSet<String>,
    out: &mut Vec<Line>,
) -> usize {
    if out.len() >= MAX_LINES {
        return size(v);
    }
    let (array, children) = match v {
        Value::Object(o) => (false, o.len()),
        Value::Array(a) => (true, a.len()),
        scalar => {
            let text = serde_json::to_string(scalar).unwrap_or_default();
            let n = text.len();
            out.push(Line {
                depth,
                path: path.clone(),
                kind: Kind::Leaf(text),
            });
            return n;
        }
    };
    let is_folded = folded.contains(&display_segs(path));
    let at = out.len();
    out.push(Line {
        depth,
        path: path.clone(),
        kind: Kind::Open {
            array,
            children,
            folded: is_folded,
            bytes: 0,
        },
    });
    // Brackets and commas; then each child (and its key).
    let mut bytes = 2 + children.saturating_sub(1);
    if is_folded {
        bytes = size(v);
    } else {
        match v {
            Value::Object(o) => {
                for (k, child) in o {
                    path.push(Seg::Key(k.clone()));
                    bytes += k.len() + 3 + walk(child, depth + 1, path, folded, out);
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    path.push(Seg::Index(i));
                    bytes += walk(child, depth + 1, path, folded, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    if let Kind::Open { bytes: b, .. } = &mut out[at].kind {
        *b = bytes;
    }
    bytes
}

/// About how many bytes of compact JSON `v` is (strings' escapes aside).
pub(crate) fn size(v: &Value) -> usize {
    match v {
        Value::Null => 4,
        Value::Bool(b) => 4 + usize::from(!*b),
        Value::Number(n) => n.to_string().len(),
        Value::String(s) => s.len() + 2,
        Value::Array(a) => 2 + a.len().saturating_sub(1) + a.iter().map(size).sum::<usize>(),
        Value::Object(o) => {
            2 + o.len().saturating_sub(1)
                + o.iter().map(|(k, v)| k.len() + 3 + size(v)).sum::<usize>()
        }
    }
}

/// A size as people read it: `312 B`, `4.2 KiB`, `1.5 MiB`.
pub(crate) fn human(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1 << 20 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    }
}

/// The paths of every container below the root (for "fold all").
pub(crate) fn containers_below_root(root: &Value) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut path = Vec::new();
    collect(root, &mut path, &mut out);
    out.remove(".");
    out
}

fn collect(v: &Value, path: &mut Vec<Seg>, out: &mut HashSet<String>) {
    if out.len() >= MAX_LINES {
        return;
    }
    match v {
        Value::Object(o) => {
            out.insert(display_segs(path));
            for (k, child) in o {
                path.push(Seg::Key(k.clone()));
                collect(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            out.insert(display_segs(path));
            for (i, child) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                collect(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tree_has_a_line_per_node_and_folds_hide_children() {
        let v = json!({"counter": {"value": 3}, "todos": [{"id": 1}, {"id": 2}], "odd key": null});
        let lines = flatten(&v, &HashSet::new());
        let paths: Vec<String> = lines.iter().map(Line::path_text).collect();
        assert_eq!(
            paths,
            [
                ".",
                ".counter",
                ".counter.value",
                ".todos",
                ".todos[0]",
                ".todos[0].id",
                ".todos[1]",
                ".todos[1].id",
                ".[\"odd key\"]"
            ]
        );
        assert_eq!(
            lines[3].kind,
            Kind::Open {
                array: true,
                children: 2,
                folded: false,
                bytes: 19
            }
        );
        // The sizes are those of the compact JSON, folded or not.
        let Kind::Open { bytes, .. } = lines[0].kind else {
            panic!()
        };
        assert_eq!(bytes, serde_json::to_string(&v).unwrap().len());
        assert_eq!(lines[2].kind, Kind::Leaf("3".into()));
        let folded: HashSet<String> = [".todos".to_string()].into();
        let lines = flatten(&v, &folded);
        assert_eq!(lines.len(), 5);
        assert!(matches!(lines[3].kind, Kind::Open { bytes: 19, .. }));
        assert_eq!(human(312), "312 B");
        assert_eq!(human(4300), "4.2 KiB");
        assert!(matches!(lines[3].kind, Kind::Open { folded: true, .. }));
        let all = containers_below_root(&v);
        assert_eq!(flatten(&v, &all).len(), 4);
    }
}
