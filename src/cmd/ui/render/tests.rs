//! The screen of `rdx ui` drawn on ratatui's `TestBackend`.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use super::*;
use crate::cmd::ui::keys::Key;
use crate::cmd::ui::state::{Incoming, InstRow, Limits, Mouse, Outcome};

fn screen(ui: &mut Ui, w: u16, h: u16, color: bool) -> (String, ratatui::buffer::Buffer) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, ui, Theme { color })).unwrap();
    let buf = t.backend().buffer().clone();
    let mut text = String::new();
    for y in 0..h {
        for x in 0..w {
            text.push_str(buf[(x, y)].symbol());
        }
        text.push('\n');
    }
    (text, buf)
}

fn sample() -> Ui {
    let mut ui = Ui::new("fixtures/x.jsonl".into(), Limits::default());
    ui.link = "end of the recording".into();
    ui.set_instances(vec![
        InstRow {
            id: "4xxi9ufznu6".into(),
            app: Some("alpha".into()),
            label: None,
            status: Status::Live,
            actions: 2,
            first_seen: 1,
            last_seen: 1,
        },
        InstRow {
            id: "0wsdu0lhs99".into(),
            app: Some("beta\u{1b}[31m".into()),
            label: Some("checkout".into()),
            status: Status::Gone,
            actions: 0,
            first_seen: 2,
            last_seen: 2,
        },
    ]);
    ui.on_state(
        "4xxi9ufznu6",
        json!({"counter": {"value": 0}, "todos": []}).into(),
    );
    ui.on_action(Incoming {
        instance: "4xxi9ufznu6".into(),
        id: Some(1),
        ts: 1_795_520_108_718,
        ty: "counter/incremented".into(),
        raw: r#"{"type":"counter/incremented"}"#.into(),
        via_state: true,
        state: Some(json!({"counter": {"value": 1}, "todos": []}).into()),
    });
    ui.on_gap("4xxi9ufznu6", 1_795_520_108_800, 2, 4);
    ui.on_action(Incoming {
        instance: "4xxi9ufznu6".into(),
        id: Some(5),
        ts: 1_795_520_108_900,
        ty: "todos/todoAdded".into(),
        raw: r#"{"type":"todos/todoAdded","payload":{"id":6,"text":"todo \u001b[2J #6"}}"#.into(),
        via_state: false,
        state: Some(
            json!({"counter": {"value": 1}, "todos": [{"id": 6, "text": "todo #6"}]}).into(),
        ),
    });
    ui
}

#[test]
fn the_three_panes_and_the_status_line() {
    let mut ui = sample();
    let (text, _) = screen(&mut ui, 120, 30, false);
    assert!(text.contains("Instances · 1 live, 2 in all"), "{text}");
    assert!(text.contains("all"), "{text}");
    assert!(text.contains("4xxi9ufznu6"), "{text}");
    assert!(text.contains("Actions · all · 3"), "{text}");
    assert!(text.contains("↺ counter/incremen"), "{text}");
    assert!(text.contains("3 lost (ids 2-4)"), "{text}");
    assert!(text.contains("todos/todoAdded"), "{text}");
    // The newest action is chosen (following), its state shown as a tree.
    assert!(text.contains("#5 todos/todoAdded"), "{text}");
    assert!(text.contains("path ."), "{text}");
    assert!(text.contains("▾ todos [1]"), "{text}");
    assert!(
        text.contains("fixtures/x.jsonl · end of the recording"),
        "{text}"
    );
    // Control characters from the wire are shown escaped, never raw.
    assert!(text.contains(r"beta\x1b[31m"), "{text}");
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn the_diff_action_and_raw_tabs() {
    let mut ui = sample();
    ui.on_key(Key::Char('3'));
    let (text, _) = screen(&mut ui, 100, 30, false);
    assert!(
        text.contains("+ .todos[0]: {\"id\":6,\"text\":\"todo #6\"}"),
        "{text}"
    );
    ui.on_key(Key::Char('1'));
    let (text, _) = screen(&mut ui, 100, 30, false);
    assert!(text.contains("\"type\": \"todos/todoAdded\""), "{text}");
    // JSON escapes, never the raw control character.
    assert!(text.contains(r#""text": "todo \u001b[2J #6""#), "{text}");
    ui.on_key(Key::Char('4'));
    let (text, _) = screen(&mut ui, 100, 30, false);
    assert!(
        text.contains(r#"{"type":"todos/todoAdded","payload""#),
        "{text}"
    );
    // No message held with this state (it came decoded): said, and the
    // action shown as it came.
    assert!(
        text.contains("the message it came in is not held"),
        "{text}"
    );
}

#[test]
fn the_raw_tab_shows_the_message_as_received_while_its_state_is_held() {
    let mut ui = sample();
    let msg = r#"{"type":"ACTION","id":"sock","instanceId":"4xxi9ufznu6","payload":"{\"counter\":{\"value\":2}}","action":"{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"counter/set\"}}","nextActionId":7}"#;
    let received = crate::relay::message::Message::decode(serde_json::from_str(msg).unwrap())
        .unwrap()
        .as_received();
    let shown = received.clone();
    ui.on_action(Incoming {
        instance: "4xxi9ufznu6".into(),
        id: Some(6),
        ts: 1_795_520_109_000,
        ty: "counter/set".into(),
        raw: r#"{"type":"counter/set"}"#.into(),
        via_state: false,
        state: Some(crate::cmd::ui::state::Snap::with_received(
            30,
            || Some(json!({"counter": {"value": 2}})),
            move || shown.clone(),
        )),
    });
    ui.on_key(Key::Char('4'));
    let (text, _) = screen(&mut ui, 160, 30, false);
    let flat: String = text
        .lines()
        .map(|l| l.trim_end_matches([' ', '│']))
        .collect();
    assert!(
        flat.contains(r#"{"type":"ACTION","id":"sock","instanceId":"4xxi9ufznu6""#),
        "{text}"
    );
    assert!(flat.contains(r#""nextActionId":7"#), "{text}");
    assert!(!text.contains("not held"), "{text}");
    // What it shows is the message's fields as they came.
    let v: serde_json::Value = serde_json::from_str(&received).unwrap();
    assert_eq!(v["payload"], json!("{\"counter\":{\"value\":2}}"));
    assert_eq!(v["nextActionId"], 7);
}

#[test]
fn a_gap_row_chosen_says_what_is_lost() {
    let mut ui = sample();
    ui.on_key(Key::Tab);
    ui.on_key(Key::Up);
    let (text, _) = screen(&mut ui, 100, 30, false);
    assert!(text.contains("no longer holds these actions"), "{text}");
    assert!(text.contains("Actions · all · 3 ─"), "{text}");
}

#[test]
fn the_help_overlay_lists_the_key_table() {
    let mut ui = sample();
    ui.on_key(Key::Char('?'));
    let (text, _) = screen(&mut ui, 100, 40, false);
    for k in crate::cmd::ui::keys::TABLE {
        assert!(text.contains(k.help), "{}: {text}", k.shown);
    }
    // On a short terminal it scrolls.
    let (text, _) = screen(&mut ui, 80, 20, false);
    assert!(text.contains("j/k scroll"), "{text}");
}

#[test]
fn a_small_terminal_gets_a_message_not_a_crash() {
    let mut ui = sample();
    for (w, h) in [(79, 30), (100, 19), (10, 3), (1, 1)] {
        let (text, _) = screen(&mut ui, w, h, false);
        if w >= 20 {
            assert!(text.contains("rdx ui needs"), "{text}");
        }
    }
    let (text, _) = screen(&mut ui, 80, 20, false);
    assert!(text.contains("Instances"), "{text}");
}

#[test]
fn color_only_when_asked() {
    let mut ui = sample();
    let has_color = |buf: &ratatui::buffer::Buffer| {
        buf.content()
            .iter()
            .any(|c| c.fg != Color::Reset || c.bg != Color::Reset)
    };
    let (_, plain) = screen(&mut ui, 100, 30, false);
    assert!(!has_color(&plain));
    let (_, colored) = screen(&mut ui, 100, 30, true);
    assert!(has_color(&colored));
}

#[test]
fn wide_characters_keep_the_columns_aligned() {
    let mut ui = sample();
    ui.on_action(Incoming {
        instance: "4xxi9ufznu6".into(),
        id: Some(6),
        ts: 1_795_520_109_000,
        ty: "購物車/追加🛒".into(),
        raw: r#"{"type":"購物車/追加🛒","payload":1}"#.into(),
        via_state: false,
        state: None,
    });
    let (_, buf) = screen(&mut ui, 120, 30, false);
    // In the Actions pane (the left 69 columns): the row that has `has`,
    // and the cell its payload (`{`) starts at.
    let payload_at = |has: &str| {
        (0..30u16).find_map(|y| {
            let cells: Vec<&str> = (0..69u16).map(|x| buf[(x, y)].symbol()).collect();
            if !cells.concat().contains(has) {
                return None;
            }
            cells.iter().position(|c| *c == "{")
        })
    };
    let wide = payload_at("購").expect("the wide row");
    let plain = payload_at("todos/todoAdded").expect("the plain row");
    assert_eq!(wide, plain);
}

#[test]
fn a_long_source_is_cut_in_the_middle_and_the_filter_stays_on_the_status_line() {
    let long = format!("/{}/gap-lost.jsonl", "deep/".repeat(30));
    let mut ui = Ui::new(long, Limits::default());
    ui.link = "end of the recording".into();
    ui.on_key(Key::Char('/'));
    for c in "^counter".chars() {
        ui.on_key(Key::Char(c));
    }
    ui.on_key(Key::Enter);
    ui.on_key(Key::Char('!'));
    let (text, _) = screen(&mut ui, 100, 30, false);
    let status = text.lines().last().unwrap();
    assert!(status.contains("filter !/^counter/ · ? help"), "{status}");
    assert!(status.contains("…"), "{status}");
    assert!(
        status.contains("gap-lost.jsonl · end of the recording"),
        "{status}"
    );
}

#[test]
fn t_switches_times_to_ages_and_arrivals_while_scrolled_up_are_counted() {
    let mut ui = sample();
    ui.now = 1_795_520_108_900 + 3_000;
    let (text, _) = screen(&mut ui, 120, 30, false);
    assert!(!text.contains("3s ago"), "the clock first:\n{text}");
    ui.on_key(Key::Char('t'));
    let (text, _) = screen(&mut ui, 120, 30, false);
    assert!(text.contains("3s ago"), "{text}");
    ui.on_key(Key::Char('t'));
    let (text, _) = screen(&mut ui, 120, 30, false);
    assert!(!text.contains("3s ago"), "{text}");
    // Up in Actions: no longer following; what comes is counted in its title.
    ui.focus = Pane::Actions;
    ui.on_key(Key::Char('k'));
    for id in 6..8 {
        ui.on_action(Incoming {
            instance: "4xxi9ufznu6".into(),
            id: Some(id),
            ts: 1_795_520_109_000,
            ty: "counter/incremented".into(),
            raw: r#"{"type":"counter/incremented"}"#.into(),
            via_state: false,
            state: None,
        });
    }
    let (text, _) = screen(&mut ui, 120, 30, false);
    assert!(text.contains("2 new (G)"), "{text}");
    ui.on_key(Key::Char('G'));
    let (text, _) = screen(&mut ui, 120, 30, false);
    assert!(
        !text.contains("new (G)") && text.contains("following"),
        "{text}"
    );
}

#[test]
fn gone_instances_are_dimmed() {
    let mut ui = sample();
    let (text, buf) = screen(&mut ui, 120, 30, true);
    let row = text
        .lines()
        .position(|l| l.contains("0wsdu0lhs99"))
        .expect("listed");
    let live = text
        .lines()
        .position(|l| l.contains("4xxi9ufznu6"))
        .expect("listed");
    let dim = |y: usize| {
        buf[(2, y as u16)]
            .modifier
            .contains(ratatui::style::Modifier::DIM)
    };
    assert!(dim(row), "gone: dimmed");
    assert!(!dim(live), "live: not dimmed");
}

#[test]
fn sixteen_color_terminals_get_only_their_own_colors_on_no_background() {
    // Every screen, every tab, the help: a cell's color is one of the 16
    // every terminal has (no 256-color index, no RGB), never black or dark
    // gray (unreadable on a dark background), and never a background (the
    // cursor is reverse video, which reads on any palette).
    let mut ui = sample();
    let mut screens = Vec::new();
    let steps: [&[Key]; 6] = [
        &[Key::Char('1')],
        &[Key::Char('2')],
        &[Key::Char('3')],
        &[Key::Char('4')],
        &[Key::Tab, Key::Char('k')],
        &[Key::Char('?')],
    ];
    for keys in steps {
        for &k in keys {
            ui.on_key(k);
        }
        screens.push(screen(&mut ui, 120, 40, true).1);
    }
    let mut colors = std::collections::BTreeSet::new();
    for buf in &screens {
        for c in buf.content() {
            assert_eq!(c.bg, Color::Reset, "a background at {c:?}");
            assert!(
                !matches!(
                    c.fg,
                    Color::Rgb(..) | Color::Indexed(_) | Color::Black | Color::DarkGray
                ),
                "{:?} at {c:?}",
                c.fg
            );
            colors.insert(format!("{:?}", c.fg));
        }
    }
    // And the screens are colored at all (the check above saw colors).
    assert!(colors.len() >= 4, "{colors:?}");
}

#[test]
fn a_click_in_the_state_tree_puts_the_cursor_on_that_line() {
    // Drawn first, as on a terminal: the click lands where the screen drew
    // the line (the areas come from the draw).
    let mut ui = sample();
    ui.on_key(Key::Char('2'));
    let (text, _) = screen(&mut ui, 120, 40, false);
    let (row, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("value: "))
        .expect("the tree shows counter.value");
    let col = line
        .char_indices()
        .position(|(i, _)| line[i..].starts_with("value: "))
        .unwrap();
    assert!(!text.contains("path .counter.value"), "{text}");
    let clicked = ui.on_mouse(Mouse::Click {
        col: col as u16,
        row: row as u16,
    });
    assert_eq!(clicked, Outcome::Changed);
    assert_eq!(ui.focus, Pane::Detail);
    let (text, _) = screen(&mut ui, 120, 40, false);
    assert!(text.contains("path .counter.value"), "{text}");
}
