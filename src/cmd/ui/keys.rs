//! The keys of `rdx ui`, in one table: what the state does on a key, the
//! `?` help overlay and the man page's KEYS section are all read from
//! [`TABLE`], so a key cannot work without being listed, or be listed
//! without working.
//!
//! Keys are rdx's own small [`Key`] type (not crossterm's), so the state's
//! unit tests press keys without a terminal; `term.rs` converts.

/// A key press, as the state sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Char(char),
    /// A letter with Ctrl held (`Ctrl('c')`).
    Ctrl(char),
    Enter,
    Esc,
    Backspace,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmd {
    Quit,
    NextPane,
    PrevPane,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// In a tree: fold the node, or go to its parent; elsewhere: the pane on
    /// the left.
    Left,
    /// In a tree: unfold the node, or go to its first child; elsewhere: the
    /// pane on the right.
    Right,
    /// Fold or unfold the node under the cursor.
    Toggle,
    CollapseAll,
    ExpandAll,
    /// Choose the instance or action under the cursor and move right.
    Choose,
    Filter,
    /// `:` in the tree: go to a path.
    GoTo,
    /// Label the chosen instance.
    Label,
    Invert,
    Pause,
    Follow,
    Time,
    NextTab,
    PrevTab,
    Tab(u8),
}

/// Which panes a key works in (for the help's grouping).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Everywhere,
    Lists,
    Actions,
    Detail,
}

impl Group {
    pub(crate) fn title(self) -> &'static str {
        match self {
            Group::Everywhere => "Everywhere",
            Group::Lists => "Moving (every pane)",
            Group::Actions => "Actions",
            Group::Detail => "Detail (State tree, jless keys)",
        }
    }

    pub(crate) const ALL: [Group; 4] = [
        Group::Everywhere,
        Group::Lists,
        Group::Actions,
        Group::Detail,
    ];
}

/// One row of the table: the keys, as shown and as matched.
#[derive(Debug)]
pub(crate) struct Binding {
    pub(crate) keys: &'static [Key],
    /// The keys as the help writes them.
    pub(crate) shown: &'static str,
    pub(crate) cmd: Cmd,
    pub(crate) group: Group,
    pub(crate) help: &'static str,
}

const fn b(
    keys: &'static [Key],
    shown: &'static str,
    cmd: Cmd,
    group: Group,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        shown,
        cmd,
        group,
        help,
    }
}

use Group::{Actions, Detail, Everywhere, Lists};
use Key::{
    BackTab, Backspace, Char, Ctrl, Down, End, Enter, Home, Left, PageDown, PageUp, Right, Tab, Up,
};

/// Every key of `rdx ui`.
#[rustfmt::skip]
pub(crate) static TABLE: &[Binding] = &[
    b(&[Char('q'), Ctrl('c')], "q, Ctrl-C", Cmd::Quit, Everywhere, "quit (the terminal is restored)"),
    b(&[Tab], "Tab", Cmd::NextPane, Everywhere, "next pane (Instances, Actions, Detail)"),
    b(&[BackTab], "Shift-Tab", Cmd::PrevPane, Everywhere, "previous pane"),
    b(&[Char('?')], "?", Cmd::Help, Everywhere, "this help (any key closes it)"),
    b(&[Char('t')], "t", Cmd::Time, Everywhere, "times: relative (3s ago) or the clock"),
    b(&[Char('L')], "L", Cmd::Label, Everywhere, "label the instance (the store `sessions label` writes)"),
    b(&[Char('k'), Up], "k, Up", Cmd::Up, Lists, "up one line"),
    b(&[Char('j'), Down], "j, Down", Cmd::Down, Lists, "down one line"),
    b(&[PageUp, Ctrl('b')], "PgUp, Ctrl-B", Cmd::PageUp, Lists, "up one page"),
    b(&[PageDown, Ctrl('f')], "PgDn, Ctrl-F", Cmd::PageDown, Lists, "down one page"),
    b(&[Char('g'), Home], "g, Home", Cmd::Top, Lists, "first line"),
    b(&[Char('G'), End], "G, End", Cmd::Bottom, Lists, "last line (in Actions: the newest, and follow)"),
    b(&[Enter], "Enter", Cmd::Choose, Lists, "choose, and go to the pane on the right"),
    b(&[Char('/')], "/", Cmd::Filter, Actions, "filter action types by regex (Enter applies, empty clears)"),
    b(&[Char('!')], "!", Cmd::Invert, Actions, "invert the filter (hide what matches)"),
    b(&[Char('F')], "F", Cmd::Follow, Actions, "follow the newest action (again), like less +F"),
    b(&[Char('p')], "p", Cmd::Pause, Actions, "pause the view (data keeps coming), again to resume"),
    b(&[Char('1'), Char('2'), Char('3'), Char('4')], "1 2 3 4", Cmd::Tab(0), Detail, "the Action, State, Diff or Raw tab"),
    b(&[Char(']')], "]", Cmd::NextTab, Detail, "next tab"),
    b(&[Char('[')], "[", Cmd::PrevTab, Detail, "previous tab"),
    b(&[Char('h'), Left], "h, Left", Cmd::Left, Detail, "fold the node, or go to its parent"),
    b(&[Char('l'), Right], "l, Right", Cmd::Right, Detail, "unfold the node, or go to its first child"),
    b(&[Char(' ')], "Space", Cmd::Toggle, Detail, "fold or unfold the node"),
    b(&[Char('c')], "c", Cmd::CollapseAll, Detail, "fold every node below the top"),
    b(&[Char('e')], "e", Cmd::ExpandAll, Detail, "unfold every node"),
    b(&[Char(':')], ":", Cmd::GoTo, Detail, "go to a path (`.todos[0]`, `/todos/0`), unfolding it"),
];

/// What `key` asks for, if anything. The digits of the tab row say which
/// tab.
pub(crate) fn lookup(key: Key) -> Option<Cmd> {
    let row = TABLE.iter().find(|b| b.keys.contains(&key))?;
    Some(match (row.cmd, key) {
        (Cmd::Tab(_), Char(c)) => Cmd::Tab(c as u8 - b'1'),
        (cmd, _) => cmd,
    })
}

/// The keys as plain lines, grouped: the help overlay and the man page.
pub(crate) fn help_lines() -> Vec<(Option<&'static str>, String)> {
    let width = TABLE.iter().map(|b| b.shown.len()).max().unwrap_or(0);
    let mut out = Vec::new();
    for g in Group::ALL {
        out.push((Some(g.title()), String::new()));
        for row in TABLE.iter().filter(|b| b.group == g) {
            out.push((None, format!("{:width$}  {}", row.shown, row.help)));
        }
    }
    out
}

/// The keys typed into the filter line (a regex being edited).
pub(crate) fn is_editing_key(key: Key) -> bool {
    matches!(key, Char(_) | Backspace | Enter | Key::Esc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_does_one_thing() {
        let mut seen = Vec::new();
        for row in TABLE {
            assert!(!row.keys.is_empty(), "{}", row.shown);
            for k in row.keys {
                assert!(!seen.contains(k), "{k:?} is bound twice");
                seen.push(*k);
            }
        }
    }

    #[test]
    fn keys_look_up_their_command() {
        assert_eq!(lookup(Char('q')), Some(Cmd::Quit));
        assert_eq!(lookup(Ctrl('c')), Some(Cmd::Quit));
        assert_eq!(lookup(Char('3')), Some(Cmd::Tab(2)));
        assert_eq!(lookup(Char('G')), Some(Cmd::Bottom));
        assert_eq!(lookup(Char('x')), None);
    }

    /// The README's key table is this table (a key added here and not
    /// there fails).
    #[test]
    fn the_readme_lists_every_key() {
        let readme = include_str!("../../../README.md");
        for row in TABLE {
            let line = format!("| `{}` | {} |", row.shown, row.help);
            assert!(readme.contains(&line), "README.md lacks the line\n{line}");
        }
    }

    #[test]
    fn the_help_lists_every_row_once_and_fits_80_columns() {
        let lines = help_lines();
        for row in TABLE {
            let n = lines
                .iter()
                .filter(|(_, l)| l.starts_with(row.shown) && l.ends_with(row.help))
                .count();
            assert_eq!(n, 1, "{}", row.shown);
        }
        for (_, l) in &lines {
            assert!(l.chars().count() <= 76, "{l:?}");
        }
    }
}
