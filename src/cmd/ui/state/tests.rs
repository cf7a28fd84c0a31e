//! The state of `rdx ui` driven by keys and items, without a terminal.

use serde_json::json;

use super::*;
use crate::cmd::ui::keys::Key;

fn inst(id: &str, app: &str, first: u64) -> InstRow {
    InstRow {
        id: id.into(),
        app: Some(app.into()),
        label: None,
        status: Status::Live,
        actions: 0,
        first_seen: first,
        last_seen: first,
    }
}

fn action(instance: &str, id: i64, ty: &str, state: Option<Value>) -> Incoming {
    Incoming {
        instance: instance.into(),
        id: Some(id),
        ts: 1000 + id as u64,
        ty: ty.into(),
        raw: json!({"type": ty, "payload": id}).to_string(),
        via_state: false,
        state: state.map(Snap::from),
    }
}

fn with_limits(limits: Limits) -> Ui {
    Ui::new("t".into(), limits)
}

fn ui() -> Ui {
    let mut ui = Ui::new("test".into(), Limits::default());
    ui.set_instances(vec![inst("aaa", "alpha", 1), inst("bbb", "beta", 2)]);
    ui.set_heights(Heights {
        instances: 5,
        actions: 3,
        detail: 5,
    });
    ui
}

fn press(ui: &mut Ui, keys: &[Key]) {
    for k in keys {
        ui.on_key(*k);
    }
}

fn types(ui: &Ui) -> Vec<String> {
    ui.visible()
        .iter()
        .map(|r| match &r.kind {
            RowKind::Action(a) => a.ty.clone(),
            RowKind::Gap { from, to } => Row::gap_text(*from, *to),
        })
        .collect()
}

fn selected_type(ui: &Ui) -> Option<String> {
    ui.selected().and_then(|r| r.action().map(|a| a.ty.clone()))
}

#[test]
fn all_interleaves_and_choosing_an_instance_shows_its_actions() {
    let mut ui = ui();
    ui.on_action(action("aaa", 1, "a/one", None));
    ui.on_action(action("bbb", 1, "b/one", None));
    ui.on_action(action("aaa", 2, "a/two", None));
    assert_eq!(types(&ui), ["a/one", "b/one", "a/two"]);
    assert_eq!(ui.cursor_instance(), None);
    press(&mut ui, &[Key::Char('j')]);
    assert_eq!(ui.chosen.as_deref(), Some("aaa"));
    assert_eq!(types(&ui), ["a/one", "a/two"]);
    assert_eq!(selected_type(&ui).as_deref(), Some("a/two"));
    press(&mut ui, &[Key::Down]);
    assert_eq!(types(&ui), ["b/one"]);
    press(&mut ui, &[Key::Char('g')]);
    assert_eq!(ui.chosen, None);
}

#[test]
fn follow_sticks_to_the_newest_until_the_user_moves_up() {
    let mut ui = ui();
    ui.focus = Pane::Actions;
    for i in 1..=5 {
        ui.on_action(action("aaa", i, &format!("t{i}"), None));
    }
    assert_eq!(selected_type(&ui).as_deref(), Some("t5"));
    assert!(ui.follow);
    press(&mut ui, &[Key::Up, Key::Up]);
    assert_eq!(selected_type(&ui).as_deref(), Some("t3"));
    assert!(!ui.follow);
    ui.on_action(action("aaa", 6, "t6", None));
    ui.on_action(action("aaa", 7, "t7", None));
    assert_eq!(selected_type(&ui).as_deref(), Some("t3"));
    assert_eq!(ui.unseen, 2);
    press(&mut ui, &[Key::Char('G')]);
    assert_eq!(selected_type(&ui).as_deref(), Some("t7"));
    assert!(ui.follow);
    assert_eq!(ui.unseen, 0);
    ui.on_action(action("aaa", 8, "t8", None));
    assert_eq!(selected_type(&ui).as_deref(), Some("t8"));
    // The list scrolls with the cursor (3 lines tall).
    ui.set_heights(ui.heights);
    assert_eq!(ui.act_offset, 5);
    press(&mut ui, &[Key::Char('g')]);
    assert_eq!((ui.act_offset, ui.follow), (0, false));
}

#[test]
fn the_filter_is_a_regex_on_types_and_bang_inverts_it() {
    let mut ui = ui();
    ui.focus = Pane::Actions;
    ui.on_action(action("aaa", 1, "todos/added", None));
    ui.on_action(action("aaa", 2, "counter/inc", None));
    ui.on_action(action("aaa", 3, "todos/toggled", None));
    press(&mut ui, &[Key::Char('/')]);
    for c in "^todos".chars() {
        ui.on_key(Key::Char(c));
    }
    // Typing does not run commands (`t` is not the time toggle here).
    assert!(!ui.relative);
    press(&mut ui, &[Key::Enter]);
    assert_eq!(types(&ui), ["todos/added", "todos/toggled"]);
    press(&mut ui, &[Key::Char('!')]);
    assert_eq!(types(&ui), ["counter/inc"]);
    press(&mut ui, &[Key::Char('/'), Key::Char('('), Key::Enter]);
    assert!(ui.message.as_deref().unwrap().contains("bad regex"));
    assert_eq!(types(&ui), ["counter/inc"]);
    press(&mut ui, &[Key::Char('/'), Key::Enter, Key::Char('!')]);
    assert_eq!(types(&ui).len(), 3);
}

#[test]
fn pause_freezes_the_view_while_data_keeps_coming() {
    let mut ui = ui();
    ui.focus = Pane::Actions;
    ui.on_action(action("aaa", 1, "t1", None));
    press(&mut ui, &[Key::Char('p')]);
    ui.on_action(action("aaa", 2, "t2", None));
    assert_eq!(types(&ui), ["t1"]);
    press(&mut ui, &[Key::Char('p')]);
    assert_eq!(types(&ui), ["t1", "t2"]);
    assert_eq!(selected_type(&ui).as_deref(), Some("t2"));
}

#[test]
fn gaps_are_rows_and_diffs_come_from_the_states() {
    let mut ui = ui();
    ui.on_state("aaa", json!({"n": 0}).into());
    ui.on_action(action("aaa", 1, "inc", Some(json!({"n": 1}))));
    ui.on_gap("aaa", 2000, 2, 4);
    ui.on_action(action("aaa", 5, "inc", Some(json!({"n": 5, "m": true}))));
    assert_eq!(types(&ui), ["inc", "3 lost (ids 2-4)", "inc"]);
    let v = ui.visible();
    let first = v[0].action().unwrap();
    assert_eq!(
        ui.diff_of(&v[0]),
        DiffOf::Edits(Rc::new(vec![Edit::Changed {
            path: ".n".into(),
            old: json!(0),
            new: json!(1)
        }]))
    );
    assert!(matches!(ui.diff_of(&v[2]), DiffOf::Edits(d) if d.len() == 2));
    assert_eq!(ui.diff_of(&v[1]), DiffOf::NoState);
    assert_eq!(*ui.state_of(&v[2]).unwrap(), json!({"n": 5, "m": true}));
    assert_eq!(first.short(), r#"{"payload":1}"#);
}

#[test]
fn states_are_kept_by_count_and_bytes_and_older_ones_let_go() {
    let mut ui = with_limits(Limits {
        states: 2,
        ..Limits::default()
    });
    ui.on_state("aaa", json!({"n": 0}).into());
    for i in 1..=3 {
        ui.on_action(action("aaa", i, "x", Some(json!({"n": i}))));
    }
    let v = ui.visible();
    assert!(ui.state_of(&v[0]).is_none());
    assert!(ui.state_of(&v[1]).is_some() && ui.state_of(&v[2]).is_some());
    // Every diff stays: the first's and the oldest held one's were made as
    // the state before them went.
    let change = |d: DiffOf| match d {
        DiffOf::Edits(e) => e
            .iter()
            .map(|e| e.to_json().to_string())
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    for (i, row) in v.iter().enumerate() {
        let want = json!({"op": "change", "path": ".n", "old": i, "new": i + 1}).to_string();
        assert_eq!(change(ui.diff_of(row)), [want], "row {i}");
    }
    // The kept diffs are bounded as the rows are.
    let mut few = with_limits(Limits {
        states: 1,
        rows: 3,
        ..Limits::default()
    });
    for i in 1..=6 {
        few.on_action(action("aaa", i, "x", Some(json!({"n": i}))));
    }
    few.preselect("aaa");
    let v = few.visible();
    assert_eq!(v.len(), 3);
    assert!(v.iter().all(|r| matches!(few.diff_of(r), DiffOf::Edits(_))));
    assert!(few.histories["aaa"].deltas.len() <= 3);
    // A state let go that differs from the next by more than a quarter
    // of the bytes kept: no diff of it or before it, the later ones stay.
    let mut ui = with_limits(Limits {
        states: 1,
        bytes: 400,
        ..Limits::default()
    });
    ui.on_action(action("aaa", 1, "x", Some(json!({"s": "a"}))));
    ui.on_action(action("aaa", 2, "x", Some(json!({"s": "y".repeat(200)}))));
    ui.on_action(action("aaa", 3, "x", Some(json!({"s": "b"}))));
    ui.on_action(action("aaa", 4, "x", Some(json!({"s": "c"}))));
    let v = ui.visible();
    assert_eq!(ui.diff_of(&v[1]), DiffOf::LetGo);
    assert_eq!(ui.diff_of(&v[2]), DiffOf::LetGo);
    assert!(matches!(ui.diff_of(&v[3]), DiffOf::Edits(_)));
}

#[test]
fn a_state_let_go_is_rebuilt_from_the_next_ones_text() {
    for (old, new) in [
        (r#"{"n":1,"s":"héllo"}"#, r#"{"n":2,"s":"héllo"}"#),
        (r#"{"s":"é"}"#, r#"{"s":"è"}"#),
        ("", r#"{"a":1}"#),
        (r#"{"a":1}"#, ""),
        (r#"{"a":[1,2,3]}"#, r#"{"a":[1,2,3,4]}"#),
        ("aaaa", "aa"),
        ("aa", "aaaa"),
    ] {
        let d = Delta::between(1, old, TextKind::Plain, new);
        assert_eq!(
            d.undo(new.as_bytes()).as_deref(),
            Some(old.as_bytes()),
            "{old} <- {new}"
        );
        assert!(d.middle.len() <= old.len());
    }
    // Against another text than its own, nothing wrong is made.
    let d = Delta::between(1, r#"{"n":1}"#, TextKind::Plain, r#"{"n":2,"more":true}"#);
    assert_eq!(d.undo(b"x"), None);
    let mut ui = with_limits(Limits {
        bytes: 100,
        ..Limits::default()
    });
    for i in 1..=3 {
        ui.on_action(action("aaa", i, "x", Some(json!({"s": "y".repeat(60)}))));
    }
    let v = ui.visible();
    assert!(ui.state_of(&v[1]).is_none());
    assert!(ui.state_of(&v[2]).is_some(), "the newest is always held");
}

#[test]
fn the_tree_folds_with_jless_keys_and_says_the_path() {
    let mut ui = ui();
    ui.on_action(action(
        "aaa",
        1,
        "x",
        Some(json!({"counter": {"value": 3}, "todos": [{"id": 1}]})),
    ));
    ui.focus = Pane::Detail;
    assert_eq!(ui.tab, Tab::State);
    assert_eq!(ui.tree_path().as_deref(), Some("."));
    press(&mut ui, &[Key::Char('l')]);
    assert_eq!(ui.tree_path().as_deref(), Some(".counter"));
    press(&mut ui, &[Key::Char('h')]);
    assert_eq!(ui.tree_lines().unwrap().len(), 5);
    press(&mut ui, &[Key::Char('j'), Key::Char('l')]);
    assert_eq!(ui.tree_path().as_deref(), Some(".todos[0]"));
    press(&mut ui, &[Key::Char('j')]);
    assert_eq!(ui.tree_path().as_deref(), Some(".todos[0].id"));
    press(&mut ui, &[Key::Char('h')]);
    assert_eq!(ui.tree_path().as_deref(), Some(".todos[0]"));
    press(&mut ui, &[Key::Char('c')]);
    assert_eq!(ui.tree_lines().unwrap().len(), 3);
    press(&mut ui, &[Key::Char('e')]);
    assert_eq!(ui.tree_lines().unwrap().len(), 6);
    // The folds stay for the next action.
    press(&mut ui, &[Key::Char('j'), Key::Char(' ')]);
    ui.on_action(action(
        "aaa",
        2,
        "y",
        Some(json!({"counter": {"value": 4}, "todos": []})),
    ));
    assert_eq!(ui.tree_lines().unwrap().len(), 3);
}

#[test]
fn panes_tabs_help_and_quit() {
    let mut ui = ui();
    press(&mut ui, &[Key::Tab]);
    assert_eq!(ui.focus, Pane::Actions);
    press(&mut ui, &[Key::BackTab, Key::BackTab]);
    assert_eq!(ui.focus, Pane::Detail);
    press(&mut ui, &[Key::Char('3')]);
    assert_eq!(ui.tab, Tab::Diff);
    press(&mut ui, &[Key::Char(']'), Key::Char(']')]);
    assert_eq!(ui.tab, Tab::Action);
    press(&mut ui, &[Key::Char('?')]);
    assert!(ui.help);
    // Any key closes the help, q too (it does not quit from there).
    assert_eq!(ui.on_key(Key::Char('q')), Outcome::Changed);
    assert!(!ui.help);
    assert_eq!(ui.on_key(Key::Char('q')), Outcome::Quit);
    assert_eq!(ui.on_key(Key::Ctrl('c')), Outcome::Quit);
    // Ctrl-C quits from the help and from a line being typed too.
    press(&mut ui, &[Key::Char('?')]);
    assert_eq!(ui.on_key(Key::Ctrl('c')), Outcome::Quit);
    ui.help = false;
    ui.focus = Pane::Actions;
    press(&mut ui, &[Key::Char('/')]);
    assert!(ui.editing.is_some());
    assert_eq!(ui.on_key(Key::Ctrl('c')), Outcome::Quit);
}

#[test]
fn the_cursor_stays_on_its_instance_and_forgotten_ones_are_let_go() {
    let mut ui = ui();
    press(&mut ui, &[Key::Char('j'), Key::Char('j')]);
    assert_eq!(ui.cursor_instance(), Some("bbb"));
    ui.on_action(action("aaa", 1, "x", None));
    ui.set_instances(vec![
        inst("zzz", "new", 0),
        inst("aaa", "alpha", 1),
        inst("bbb", "beta", 2),
    ]);
    assert_eq!(ui.cursor_instance(), Some("bbb"));
    ui.set_instances(vec![inst("bbb", "beta", 2)]);
    assert_eq!(ui.cursor_instance(), Some("bbb"));
    assert!(!ui.histories.contains_key("aaa"));
}

#[test]
fn the_actions_of_forgotten_instances_leave_all_too() {
    let mut ui = ui();
    ui.on_action(action("aaa", 1, "a1", None));
    ui.on_action(action("bbb", 1, "b1", None));
    ui.on_action(action("aaa", 2, "a2", None));
    ui.on_action(action("bbb", 2, "b2", None));
    // "all" is shown (and its view made) before the registry forgets aaa.
    assert_eq!(types(&ui), ["a1", "b1", "a2", "b2"]);
    ui.set_instances(vec![inst("bbb", "beta", 2)]);
    assert_eq!(types(&ui), ["b1", "b2"]);
    assert_eq!(ui.total(), 2);
    // New rows still join the view made after the cut.
    ui.on_action(action("bbb", 3, "b3", None));
    assert_eq!(types(&ui), ["b1", "b2", "b3"]);
    // The chosen instance keeps its rows, in "all" too, while it is chosen.
    let mut chosen = self::ui();
    chosen.on_action(action("aaa", 1, "a1", None));
    chosen.preselect("aaa");
    chosen.set_instances(vec![inst("bbb", "beta", 2)]);
    assert_eq!(types(&chosen), ["a1"]);
    assert_eq!(chosen.all.len(), 1);
}

#[test]
fn a_reload_moves_the_chosen_instance_on() {
    let mut ui = ui();
    ui.preselect("aaa");
    ui.on_action(action("aaa", 1, "old", None));
    assert!(!ui.reloaded("ccc", "ddd", "not ours".into()));
    assert!(ui.reloaded("aaa", "bbb", "aaa reloaded as bbb".into()));
    ui.on_action(action("bbb", 1, "new", None));
    assert_eq!(types(&ui), ["new"]);
    assert_eq!(ui.message.as_deref(), Some("aaa reloaded as bbb"));
    // The cursor goes with it once the registry lists the new instance.
    ui.set_instances(vec![inst("aaa", "alpha", 1), inst("bbb", "alpha", 2)]);
    assert_eq!(ui.cursor_instance(), Some("bbb"));
    // "all" chosen: a reload moves nothing.
    let mut all = self::ui();
    assert!(!all.reloaded("aaa", "bbb", "x".into()));
    assert_eq!(all.message, None);
}

#[test]
fn colon_goes_to_a_path_unfolding_what_hides_it() {
    let mut ui = ui();
    ui.on_action(action(
        "aaa",
        1,
        "x",
        Some(json!({"counter": {"value": 3}, "todos": [{"id": 1, "tags": ["a", "b"]}]})),
    ));
    ui.focus = Pane::Detail;
    press(&mut ui, &[Key::Char('c')]);
    assert_eq!(ui.tree_lines().unwrap().len(), 3);
    press(&mut ui, &[Key::Char(':')]);
    for c in "/todos/0/tags/1".chars() {
        ui.on_key(Key::Char(c));
    }
    press(&mut ui, &[Key::Enter]);
    assert_eq!(ui.tree_path().as_deref(), Some(".todos[0].tags[1]"));
    assert_eq!(ui.message, None);
    press(&mut ui, &[Key::Char(':')]);
    for c in ".todos[9]".chars() {
        ui.on_key(Key::Char(c));
    }
    press(&mut ui, &[Key::Enter]);
    let m = ui.message.clone().unwrap();
    assert!(m.contains(".todos[9] not found"), "{m}");
    assert_eq!(ui.tree_path().as_deref(), Some(".todos[0].tags[1]"));
}

#[test]
fn capital_l_asks_the_run_loop_to_label_the_chosen_instance() {
    let mut ui = ui();
    assert_eq!(ui.on_key(Key::Char('L')), Outcome::Changed);
    assert!(
        ui.message
            .as_deref()
            .unwrap()
            .contains("choose an instance")
    );
    press(&mut ui, &[Key::Char('j'), Key::Char('L')]);
    for c in " cart ".chars() {
        ui.on_key(Key::Char(c));
    }
    assert_eq!(
        ui.on_key(Key::Enter),
        Outcome::Label("aaa".into(), Some("cart".into()))
    );
    press(&mut ui, &[Key::Char('L')]);
    assert_eq!(ui.on_key(Key::Enter), Outcome::Label("aaa".into(), None));
    press(&mut ui, &[Key::Char('L'), Key::Char('x'), Key::Esc]);
    assert_eq!(ui.editing, None);
}

#[test]
fn the_wheel_scrolls_the_pane_under_it_and_a_click_chooses() {
    let mut ui = ui();
    for i in 1..=10 {
        ui.on_action(action("aaa", i, &format!("t{i}"), None));
    }
    ui.areas = Areas {
        instances: Area {
            x: 0,
            y: 0,
            w: 100,
            h: 6,
        },
        actions: Area {
            x: 0,
            y: 6,
            w: 50,
            h: 20,
        },
        detail: Area {
            x: 50,
            y: 6,
            w: 50,
            h: 20,
        },
        instances_first: 2,
        actions_first: 8,
        tree_first: 10,
    };
    ui.heights.actions = 18;
    ui.on_mouse(Mouse::ScrollUp { col: 10, row: 10 });
    assert_eq!(ui.focus, Pane::Actions);
    assert_eq!(selected_type(&ui).as_deref(), Some("t7"));
    assert!(!ui.follow);
    ui.on_mouse(Mouse::Click { col: 10, row: 8 });
    assert_eq!(selected_type(&ui).as_deref(), Some("t1"));
    // A click on the second instance line (the first is "all") chooses it.
    ui.on_mouse(Mouse::Click { col: 5, row: 3 });
    assert_eq!(
        (ui.focus, ui.chosen.as_deref()),
        (Pane::Instances, Some("aaa"))
    );
    assert_eq!(
        ui.on_mouse(Mouse::Click { col: 200, row: 200 }),
        Outcome::Nothing
    );
}

#[test]
fn the_view_moves_on_as_rows_come_and_go_and_matches_a_fresh_one() {
    let mut ui = with_limits(Limits {
        rows: 5,
        all_rows: 5,
        ..Limits::default()
    });
    ui.set_filter("^a");
    let mut pushed = Vec::new();
    for i in 1..=23 {
        let ty = if i % 3 == 0 {
            format!("b{i}")
        } else {
            format!("a{i}")
        };
        ui.on_action(action("aaa", i, &ty, None));
        pushed.push(ty);
        let want: Vec<String> = pushed
            .iter()
            .rev()
            .take(5)
            .rev()
            .filter(|t| t.starts_with('a'))
            .cloned()
            .collect();
        assert_eq!(types(&ui), want, "after {i}");
        assert_eq!(selected_type(&ui).as_ref(), want.last());
    }
    // Paused, new rows do not come into view; resumed, they do.
    press(&mut ui, &[Key::Char('p')]);
    ui.on_action(action("aaa", 24, "a24", None));
    assert!(!types(&ui).contains(&"a24".to_string()));
    press(&mut ui, &[Key::Char('p')]);
    assert_eq!(types(&ui).last().map(String::as_str), Some("a24"));
}

#[test]
fn a_big_state_without_a_text_of_its_own_is_not_decoded_to_keep_older_diffs() {
    let decoded = Rc::new(std::cell::Cell::new(false));
    let mut ui = with_limits(Limits {
        states: 1,
        ..Limits::default()
    });
    ui.on_action(action("aaa", 1, "x", Some(json!({"n": 1}))));
    let d = decoded.clone();
    ui.on_state(
        "aaa",
        Snap::lazy(WRITTEN_MAX + 1, move || {
            d.set(true);
            Some(json!({"n": 9}))
        }),
    );
    ui.on_action(action("aaa", 2, "x", Some(json!({"n": 2}))));
    assert!(!decoded.get(), "decoded to be written out");
    let v = ui.visible();
    assert_eq!(ui.diff_of(&v[0]), DiffOf::LetGo);
    assert_eq!(ui.diff_of(&v[1]), DiffOf::LetGo);
    assert!(!decoded.get());
}

#[test]
fn the_tree_pages_down_and_up() {
    let mut ui = ui();
    let state: serde_json::Map<String, Value> =
        (0..40).map(|i| (format!("k{i:02}"), json!(i))).collect();
    ui.on_action(action("aaa", 1, "x", Some(Value::Object(state))));
    ui.focus = Pane::Detail;
    assert_eq!(ui.tree_path().as_deref(), Some("."));
    press(&mut ui, &[Key::PageDown]);
    let down = ui.tree_cursor;
    assert!(down >= 3, "a page is the pane's height: {down}");
    assert_eq!(ui.tree_path(), Some(format!(".k{:02}", down - 1)));
    press(&mut ui, &[Key::PageDown, Key::PageUp]);
    assert_eq!(ui.tree_cursor, down);
    press(&mut ui, &[Key::PageUp]);
    assert_eq!(ui.tree_path().as_deref(), Some("."));
}
