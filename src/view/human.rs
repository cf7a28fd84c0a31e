//! Records for people: a line each, the time dimmed and the instance in
//! cyan, colored only when the palette is on (a terminal, or `--color
//! always`), every string from the wire made terminal-safe, lines cut to the
//! terminal's width; the instance list as an aligned table.

use std::io::{self, Write};

use serde_json::Value;

use crate::feed::item::Action;
use crate::model::registry::{Instance, Status};
use crate::output::{Out, Palette, Table, compact, json, sanitize, truncate, width};
use crate::query::diff::Edit;
use crate::time::{age, clock_ms};
use crate::view::{Printer, Record, Who};

/// The human printer (see the module doc).
pub(crate) struct Human<W: Write> {
    pub(crate) out: Out<W>,
    pub(crate) pal: Palette,
    /// Columns to cut lines to (None: never cut).
    pub(crate) width: Option<usize>,
    /// A state is pretty-printed (on a terminal), else compact.
    pub(crate) pretty: bool,
}

impl<W: Write> Printer for Human<W> {
    fn print(&mut self, r: &Record<'_>) -> io::Result<()> {
        let pal = self.pal;
        match *r {
            Record::Action {
                who,
                ts,
                ty,
                action,
                diff,
                ..
            } => self.action(who, ts, ty, action, diff),
            // Said on stderr by the feed.
            Record::Gap { .. } => Ok(()),
            Record::State { raw, .. } => {
                let pretty = self.pretty;
                self.out
                    .write_with(|w| json::write_raw(raw, pretty, pal, w))?;
                self.out.line("")
            }
            Record::Value {
                who,
                ts,
                path,
                value,
            } => self.out.line(&format!(
                "{}  {}  {} = {}",
                pal.dim(&clock_ms(ts)),
                pal.cyan(&who.short()),
                pal.bold(path),
                show(value, pal)
            )),
            Record::Change {
                who,
                ts,
                path,
                old,
                new,
                cause,
            } => self.out.line(&format!(
                "{}  {}  {}: {} -> {}  {}",
                pal.dim(&clock_ms(ts)),
                pal.cyan(&who.short()),
                pal.bold(path),
                show(old, pal),
                show(new, pal),
                pal.dim(&format!("({})", sanitize(cause)))
            )),
            Record::Instances { list, reference_ms } => {
                if list.is_empty() {
                    return Ok(());
                }
                self.out.text(&table(list, reference_ms, pal))
            }
            Record::Instance { ts, inst, new } => self.out.line(&format!(
                "{}  {} {}  {}  {}  {}",
                pal.dim(&clock_ms(ts)),
                if new { "+" } else { "~" },
                sanitize(&inst.id),
                sanitize(inst.app.as_deref().unwrap_or("-")),
                status_cell(inst.status, pal).0,
                pal.dim(&format!("via {}", sanitize(&inst.connection))),
            )),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Human<W> {
    /// `12:00:01.234  shop·65ioovq  todos/added  {"payload":…}`, then a
    /// dimmed line per change with `--diff`.
    fn action(
        &mut self,
        who: Who<'_>,
        ts: u64,
        ty: &str,
        action: &Action,
        diff: Option<&[Edit]>,
    ) -> io::Result<()> {
        let pal = self.pal;
        let time = clock_ms(ts);
        let who = who.short();
        let ty = sanitize(ty).into_owned();
        // The action without its type: colored like jq when it fits the
        // terminal whole, cut (plain) when it does not.
        let rest_value = match action.to_value().as_ref() {
            Value::Object(o) => {
                let mut o = o.clone();
                o.remove("type");
                (!o.is_empty()).then_some(Value::Object(o))
            }
            Value::Null => None,
            other => Some(other.clone()),
        };
        let rest = rest_value
            .as_ref()
            .map(|v| sanitize(&compact(v)).into_owned())
            .unwrap_or_default();
        let used = width(&time) + width(&who) + width(&ty) + 6;
        let rest = match (self.width, &rest_value) {
            (Some(w), Some(_)) if width(&rest) > w.saturating_sub(used).max(10) => {
                truncate(&rest, w.saturating_sub(used).max(10)).into_owned()
            }
            (_, Some(v)) => json::for_people(v, false, pal),
            (_, None) => rest,
        };
        let line = format!(
            "{}  {}  {}  {}",
            pal.dim(&time),
            pal.cyan(&who),
            pal.bold(&ty),
            rest
        );
        self.out.line(line.trim_end())?;
        for c in diff.unwrap_or_default() {
            let text = match c {
                Edit::Added { path, new } => format!("    + {path}: {}", compact(new)),
                Edit::Removed { path, old } => format!("    - {path}: {}", compact(old)),
                Edit::Changed { path, old, new } => {
                    format!("    ~ {path}: {} -> {}", compact(old), compact(new))
                }
            };
            let text = sanitize(&text).into_owned();
            let text = match self.width {
                Some(w) => truncate(&text, w).into_owned(),
                None => text,
            };
            self.out.line(&pal.dim(&text))?;
        }
        Ok(())
    }
}

/// A value for people: compact JSON, colored like jq when color is on.
fn show(v: Option<&Value>, pal: Palette) -> String {
    match v {
        Some(v) => json::for_people(v, false, pal),
        None => "(missing)".into(),
    }
}

fn status_cell(s: Status, pal: Palette) -> (String, String) {
    let plain = s.as_str().to_string();
    let styled = match s {
        Status::Live => pal.green(&plain),
        Status::Stopped => pal.yellow(&plain),
        Status::Gone => pal.red(&plain),
        Status::Reported => pal.cyan(&plain),
    };
    (styled, plain)
}

fn plain(s: String) -> (String, String) {
    (s.clone(), s)
}

/// The instance table (`rdx sessions`). Every string from the wire is
/// sanitized; LABEL and ENV columns only when some instance has one.
fn table(list: &[&Instance], reference_ms: u64, pal: Palette) -> String {
    let show_label = list.iter().any(|i| i.label.is_some());
    let show_env = list.iter().any(|i| i.env.is_some());
    let mut header = vec!["INSTANCE", "APP"];
    let mut right = vec![false, false];
    if show_label {
        header.push("LABEL");
        right.push(false);
    }
    if show_env {
        header.push("ENV");
        right.push(false);
    }
    header.extend(["STATUS", "MSGS", "ACTIONS", "LAST ACTION", "LAST SEEN"]);
    right.extend([false, true, true, false, true]);
    let show_reports = list.iter().any(|i| i.reports.is_some());
    if show_reports {
        header.push("REPORTS");
        right.push(true);
    }
    let mut table = Table::new(&header, &right, pal);
    for inst in list {
        let mut row = vec![
            plain(sanitize(&inst.id).into_owned()),
            plain(sanitize(inst.app.as_deref().unwrap_or("-")).into_owned()),
        ];
        if show_label {
            row.push(plain(
                sanitize(inst.label.as_deref().unwrap_or("-")).into_owned(),
            ));
        }
        if show_env {
            row.push(plain(
                sanitize(inst.env.as_deref().unwrap_or("-")).into_owned(),
            ));
        }
        let ago = match reference_ms.saturating_sub(inst.last_seen) {
            ms if ms < 1000 => "now".to_string(),
            ms => format!("{} ago", age(ms)),
        };
        row.extend([
            status_cell(inst.status, pal),
            plain(inst.messages.to_string()),
            plain(inst.actions.to_string()),
            plain(truncate(&sanitize(inst.last_action.as_deref().unwrap_or("-")), 40).into_owned()),
            (pal.dim(&ago), ago),
        ]);
        if show_reports {
            row.push(plain(inst.reports.unwrap_or(0).to_string()));
        }
        table.row(row);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::Gap;
    use crate::feed::item::Via;
    use crate::view::tests::instance;

    /// What the human printer writes for `records` (color as asked, cut to
    /// `width`).
    fn render(records: &[Record<'_>], color: bool, width: Option<usize>) -> String {
        let mut p = Human {
            out: Out::to(Vec::new(), false),
            pal: Palette { on: color },
            width,
            pretty: false,
        };
        for r in records {
            p.print(r).unwrap();
        }
        String::from_utf8(p.out.into_inner().unwrap()).unwrap()
    }

    fn action(json: &str) -> Action {
        Action::Tree(serde_json::from_str(json).unwrap())
    }

    // 2023-11-14T22:13:20.000Z
    const T: u64 = 1_700_000_000_000;

    #[test]
    fn an_action_line_is_time_who_type_and_the_rest() {
        let inst = instance("65ioovqadda", Some("shop"), None);
        let a = action(r#"{"type":"todos/added","payload":{"text":"milk"}}"#);
        let rec = |diff| Record::Action {
            who: Who::instance(&inst),
            ts: T,
            id: Some(3),
            ty: "todos/added",
            action: &a,
            via: Via::Action,
            diff,
        };
        assert_eq!(
            render(&[rec(None)], false, None),
            "22:13:20.000  shop·65ioovq  todos/added  {\"payload\":{\"text\":\"milk\"}}\n"
        );
        // Cut to the terminal, plain; the diff lines too.
        let edits = [
            Edit::Added {
                path: ".todos[0]".into(),
                new: serde_json::json!("milk"),
            },
            Edit::Changed {
                path: ".count".into(),
                old: serde_json::json!(1),
                new: serde_json::json!(2),
            },
        ];
        assert_eq!(
            render(&[rec(Some(&edits))], false, Some(40)),
            "22:13:20.000  shop·65ioovq  todos/added  {\"payload…\n\
             \x20   + .todos[0]: \"milk\"\n\
             \x20   ~ .count: 1 -> 2\n"
        );
        // Colored when the palette is on.
        let colored = render(&[rec(None)], true, None);
        assert!(colored.starts_with(
            "\x1b[2m22:13:20.000\x1b[0m  \x1b[36mshop·65ioovq\x1b[0m  \x1b[1mtodos/added\x1b[0m  "
        ));
    }

    #[test]
    fn wire_strings_are_made_terminal_safe() {
        let inst = instance("i1", Some("a\x1b]0;pwn\x07"), None);
        let a = action(r#"{"type":"x\u001b[2J","p":"\u009b"}"#);
        let out = render(
            &[Record::Action {
                who: Who::instance(&inst),
                ts: T,
                id: None,
                ty: "x\x1b[2J",
                action: &a,
                via: Via::State,
                diff: None,
            }],
            false,
            None,
        );
        assert!(!out.contains('\x1b') && !out.contains('\u{9b}'), "{out:?}");
        assert!(out.contains("a\\x1b]0;pwn\\x07·i1  x\\x1b[2J"), "{out:?}");
    }

    #[test]
    fn values_changes_gaps_and_states() {
        let inst = instance("65ioovqadda", None, Some("checkout"));
        let who = Who::instance(&inst);
        let (one, two) = (serde_json::json!(1), serde_json::json!(2));
        let gap = Gap {
            instance: inst.id.clone(),
            t: T,
            from: 2,
            to: 4,
        };
        let out = render(
            &[
                Record::Value {
                    who,
                    ts: T,
                    path: ".count",
                    value: Some(&one),
                },
                Record::Value {
                    who,
                    ts: T,
                    path: ".gone",
                    value: None,
                },
                Record::Gap { who, gap: &gap },
                Record::Change {
                    who,
                    ts: T + 1,
                    path: ".count",
                    old: Some(&one),
                    new: Some(&two),
                    cause: "counter/inc\n",
                },
                Record::State {
                    who,
                    ts: T,
                    path: None,
                    raw: "{ \"a\": [1, 2] }",
                },
            ],
            false,
            None,
        );
        assert_eq!(
            out,
            "22:13:20.000  checkout  .count = 1\n\
             22:13:20.000  checkout  .gone = (missing)\n\
             22:13:20.001  checkout  .count: 1 -> 2  (counter/inc\\x0a)\n\
             {\"a\":[1,2]}\n"
        );
    }

    #[test]
    fn instances_are_a_table_and_follow_lines() {
        let a = instance("65ioovqadda", Some("shop"), None);
        let mut b = instance("k2", None, None);
        b.status = Status::Gone;
        b.last_seen = a.last_seen - 65_000;
        let list = [&a, &b];
        let out = render(
            &[
                Record::Instances {
                    list: &list,
                    reference_ms: a.last_seen,
                },
                Record::Instances {
                    list: &[],
                    reference_ms: 0,
                },
                Record::Instance {
                    ts: T,
                    inst: &b,
                    new: false,
                },
            ],
            false,
            None,
        );
        assert_eq!(
            out,
            "INSTANCE     APP   STATUS  MSGS  ACTIONS  LAST ACTION  LAST SEEN\n\
             65ioovqadda  shop  live      12        7  todos/added        now\n\
             k2           -     gone      12        7  todos/added  1m05s ago\n\
             22:13:20.000  ~ k2  -  gone  via sock1\n"
        );
    }
}
