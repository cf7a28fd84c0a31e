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

fn walk(
    v: &Value,
    depth: usize,
    path: &mut Vec<Seg>,
    folded: &HashSet<String>,
    out: &mut Vec<Line>,
) {
    if out.len() >= MAX_LINES {
        return;
    }
    let (array, children) = match v {
        Value::Object(o) => (false, o.len()),
        Value::Array(a) => (true, a.len()),
        scalar => {
            out.push(Line {
                depth,
                path: path.clone(),
                kind: Kind::Leaf(serde_json::to_string(scalar).unwrap_or_default()),
            });
            return;
        }
    };
    let is_folded = folded.contains(&display_segs(path));
    out.push(Line {
        depth,
        path: path.clone(),
        kind: Kind::Open {
            array,
            children,
            folded: is_folded,
        },
    });
    if is_folded {
        return;
    }
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                path.push(Seg::Key(k.clone()));
                walk(child, depth + 1, path, folded, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(child, depth + 1, path, folded, out);
                path.pop();
            }
        }
        _ => {}
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
                folded: false
            }
        );
        assert_eq!(lines[2].kind, Kind::Leaf("3".into()));
        let folded: HashSet<String> = [".todos".to_string()].into();
        let lines = flatten(&v, &folded);
        assert_eq!(lines.len(), 5);
        assert!(matches!(lines[3].kind, Kind::Open { folded: true, .. }));
        let all = containers_below_root(&v);
        assert_eq!(flatten(&v, &all).len(), 4);
    }
}
