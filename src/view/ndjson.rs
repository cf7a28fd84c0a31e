//! Records for programs (`--json`): one JSON object per line, its `type`
//! first, then when, the instance (`instance`, `app`, `label`), then what
//! the record holds. Written field by field into the output, strings and
//! actions as they are when nothing in them needs escaping.

use std::io::{self, Write};

use serde_json::Value;

use crate::output::{ObjectLine, Out};
use crate::query::diff::Edit;
use crate::time::rfc3339_ms;
use crate::view::{Printer, Record, Who};

/// The NDJSON printer (see the module doc).
pub(crate) struct Ndjson<W: Write> {
    pub(crate) out: Out<W>,
}

/// `{"type":…,"ts":…,"instance":…,"app":…,"label":…` of every line about
/// an instance.
fn head<'o, W: Write>(
    out: &'o mut Out<W>,
    ty: &str,
    ts: u64,
    who: &Who<'_>,
) -> io::Result<ObjectLine<'o, W>> {
    out.object()
        .str("type", Some(ty))?
        .str("ts", Some(&rfc3339_ms(ts)))?
        .str("instance", Some(who.id))?
        .str("app", who.app())?
        .str("label", who.label())
}

impl<W: Write> Printer for Ndjson<W> {
    fn print(&mut self, r: &Record<'_>) -> io::Result<()> {
        let out = &mut self.out;
        match *r {
            Record::Action {
                who,
                ts,
                id,
                ty,
                action,
                via,
                diff,
            } => {
                let line = head(out, "action", ts, &who)?
                    .field("action_id", &id)?
                    .str("action_type", Some(ty))?
                    .field("action", action)?
                    .str("via", Some(via.as_str()))?;
                match diff {
                    Some(edits) => {
                        let edits: Vec<Value> = edits.iter().map(Edit::to_json).collect();
                        line.field("diff", &edits)?.end()
                    }
                    None => line.end(),
                }
            }
            Record::Gap { who, gap } => head(out, "gap", gap.t, &who)?
                .field("from_id", &gap.from)?
                .field("to_id", &gap.to)?
                .field("lost", &gap.lost())?
                .end(),
            Record::State { who, ts, path, raw } => head(out, "state", ts, &who)?
                .str("path", path)?
                // The app's text may be pretty-printed: made one compact line.
                .raw("state", raw)?
                .end(),
            Record::Value {
                who,
                ts,
                path,
                value,
            } => head(out, "value", ts, &who)?
                .str("path", Some(path))?
                .field("value", &value)?
                .end(),
            Record::Change {
                who,
                ts,
                path,
                old,
                new,
                cause,
            } => head(out, "change", ts, &who)?
                .str("path", Some(path))?
                .field("old", &old)?
                .field("new", &new)?
                .str("action_type", Some(cause))?
                .end(),
            Record::Instances { list, .. } => {
                for inst in list {
                    out.json(&inst.to_json())?;
                }
                Ok(())
            }
            Record::Instance { inst, .. } => out.json(&inst.to_json()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::feed::Gap;
    use crate::feed::item::{Action, Via};
    use crate::view::tests::instance;

    fn render(records: &[Record<'_>]) -> String {
        let mut p = Ndjson {
            out: Out::to(Vec::new(), false),
        };
        for r in records {
            p.print(r).unwrap();
        }
        String::from_utf8(p.out.into_inner().unwrap()).unwrap()
    }

    /// Today's lines were `out.json(&json!({...}))`: a record's line is
    /// that object's text, key for key.
    fn as_before(v: Value) -> String {
        crate::output::json::to_string(&v) + "\n"
    }

    const T: u64 = 1_700_000_000_000;
    const TS: &str = "2023-11-14T22:13:20.000Z";

    #[test]
    fn an_action_line() {
        let inst = instance("65ioovqadda", Some("shop"), None);
        let tree = json!({"type": "todos/added", "payload": {"text": "mi\u{9b}lk"}});
        let text = Action::Text {
            json: r#"{"type":"todos/added","payload":1}"#.into(),
            ty: Some("todos/added".into()),
        };
        let edits = [Edit::Removed {
            path: ".a".into(),
            old: json!([1]),
        }];
        let tree_action = Action::Tree(tree.clone());
        let rec = |action, diff| Record::Action {
            who: Who::instance(&inst),
            ts: T,
            id: Some(3),
            ty: "todos/added",
            action,
            via: Via::Action,
            diff,
        };
        let before = |action: Value, diff: Option<Value>| {
            let mut v = json!({"type": "action", "ts": TS, "instance": "65ioovqadda",
                "app": "shop", "label": null, "action_id": 3, "action_type": "todos/added",
                "action": action, "via": "action"});
            if let Some(d) = diff {
                v["diff"] = d;
            }
            as_before(v)
        };
        assert_eq!(render(&[rec(&tree_action, None)]), before(tree, None));
        assert_eq!(
            render(&[rec(&text, Some(&edits))]),
            before(
                json!({"type": "todos/added", "payload": 1}),
                Some(json!([{"op": "remove", "path": ".a", "old": [1]}]))
            )
        );
    }

    #[test]
    fn gap_value_change_and_state_lines() {
        let inst = instance("i\"1", None, Some("check\u{202e}out"));
        let who = Who::instance(&inst);
        let gap = Gap {
            instance: inst.id.clone(),
            t: T,
            from: 2,
            to: 4,
        };
        let one = json!(1);
        let out = render(&[
            Record::Gap { who, gap: &gap },
            Record::Value {
                who,
                ts: T,
                path: ".count",
                value: Some(&one),
            },
            Record::Change {
                who,
                ts: T,
                path: ".count",
                old: Some(&one),
                new: None,
                cause: "STATE",
            },
            Record::State {
                who,
                ts: T,
                path: Some(".a"),
                raw: "[ 1,\n 2 ]",
            },
        ]);
        let who = |v: &mut Value| {
            v["instance"] = json!("i\"1");
            v["app"] = Value::Null;
            v["label"] = json!("check\u{202e}out");
        };
        let mut lines = [
            json!({"type": "gap", "ts": TS, "instance": 0, "app": 0, "label": 0,
                "from_id": 2, "to_id": 4, "lost": 3}),
            json!({"type": "value", "ts": TS, "instance": 0, "app": 0, "label": 0,
                "path": ".count", "value": 1}),
            json!({"type": "change", "ts": TS, "instance": 0, "app": 0, "label": 0,
                "path": ".count", "old": 1, "new": null, "action_type": "STATE"}),
            json!({"type": "state", "ts": TS, "instance": 0, "app": 0, "label": 0,
                "path": ".a", "state": [1, 2]}),
        ];
        let want: String = lines
            .iter_mut()
            .map(|v| {
                who(v);
                as_before(v.clone())
            })
            .collect();
        assert_eq!(out, want);
        assert!(out.contains(r#""label":"check\u202eout""#), "{out}");
    }

    #[test]
    fn instance_lines() {
        let a = instance("a", Some("shop"), None);
        let b = instance("b", None, None);
        let list = [&a, &b];
        let out = render(&[
            Record::Instances {
                list: &list,
                reference_ms: 0,
            },
            Record::Instance {
                ts: T,
                inst: &b,
                new: true,
            },
        ]);
        let want = [&a, &b, &b].map(|i| as_before(i.to_json())).concat();
        assert_eq!(out, want);
    }
}
