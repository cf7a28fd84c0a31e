//! Drawing `rdx ui`: the state made into ratatui widgets, apart from the
//! state itself (tested on ratatui's `TestBackend`). Every string that came
//! from the wire is sanitized before it is drawn; colors are only the 16
//! basic ones, and none at all when color is off (`--color`, `NO_COLOR`):
//! then bold, reverse and dim carry the meaning.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row as TRow, Table, Tabs, Wrap};
use serde_json::Value;

use super::keys;
use super::state::{Area, Areas, DiffOf, Heights, Pane, Row, RowKind, Tab, Ui};
use super::tree::{self, Kind};
use crate::model::registry::Status;
use crate::output::{elide_middle, sanitize, width};
use crate::query::diff::Edit;
use crate::time::{ago, clock_age, clock_ms};

/// The smallest terminal drawn.
pub(crate) const MIN_WIDTH: u16 = 80;
pub(crate) const MIN_HEIGHT: u16 = 20;

/// Styles, with or without color.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Theme {
    pub(crate) color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }
    fn key(self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD)
    }
    fn string(self) -> Style {
        self.fg(Color::Green)
    }
    fn number(self) -> Style {
        self.fg(Color::Cyan)
    }
    fn literal(self) -> Style {
        self.fg(Color::Magenta)
    }
    fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }
    fn cursor(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    fn warn(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        }
    }
}

/// Draw the whole screen (and tell the state how tall its lists are).
pub(crate) fn draw(f: &mut Frame, ui: &mut Ui, theme: Theme) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "rdx ui needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}.\n\
             Make it larger, or press q to quit.",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let inst_h = (ui.instances.len() as u16 + 4).clamp(5, 10);
    let [top, middle, status] = Layout::vertical([
        Constraint::Length(inst_h),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(area);
    // The actions' types want room: on a narrow terminal the list gets more.
    let split = if area.width >= 140 { 50 } else { 58 };
    let [left, right] = Layout::horizontal([
        Constraint::Percentage(split),
        Constraint::Percentage(100 - split),
    ])
    .areas(middle);
    let area_of = |r: Rect| Area {
        x: r.x,
        y: r.y,
        w: r.width,
        h: r.height,
    };
    ui.areas = Areas {
        instances: area_of(top),
        actions: area_of(left),
        detail: area_of(right),
        // Below the border and the header; below the border, the tabs and
        // the path line.
        instances_first: top.y + 2,
        actions_first: left.y + 2,
        tree_first: right.y + 4,
    };
    ui.set_heights(Heights {
        instances: top.height.saturating_sub(3) as usize,
        actions: left.height.saturating_sub(3) as usize,
        detail: right.height.saturating_sub(5) as usize,
    });
    instances(f, ui, theme, top);
    actions(f, ui, theme, left);
    detail(f, ui, theme, right);
    status_line(f, ui, theme, status);
    if ui.help {
        help(f, ui, theme, area);
    }
}

fn block(title: String, focused: bool, theme: Theme) -> Block<'static> {
    Block::bordered()
        .title(title)
        .border_style(theme.border(focused))
}

fn when(ui: &Ui, t: u64) -> String {
    if ui.relative {
        ago(clock_age(ui.now, t))
    } else {
        clock_ms(t)
    }
}

fn instances(f: &mut Frame, ui: &Ui, theme: Theme, area: Rect) {
    let live = ui
        .instances
        .iter()
        .filter(|i| i.status != Status::Gone)
        .count();
    let title = format!(" Instances · {live} live, {} in all ", ui.instances.len());
    let header = TRow::new(["INSTANCE", "APP", "LABEL", "STATUS", "ACTIONS", "LAST SEEN"])
        .style(Style::new().add_modifier(Modifier::BOLD));
    let mut rows = Vec::new();
    let total: u64 = ui.instances.iter().map(|i| i.actions).sum();
    let all = TRow::new(vec![
        Cell::from("all"),
        Cell::from("(interleaved)"),
        Cell::from(""),
        Cell::from(""),
        Cell::from(total.to_string()),
        Cell::from(""),
    ]);
    rows.push(all);
    for i in &ui.instances {
        let style = if i.status == Status::Gone {
            theme.dim()
        } else {
            Style::new()
        };
        let seen = ago(clock_age(ui.now, i.last_seen));
        rows.push(
            TRow::new(vec![
                Cell::from(sanitize(&i.id).into_owned()),
                Cell::from(sanitize(i.app.as_deref().unwrap_or("-")).into_owned()),
                Cell::from(sanitize(i.label.as_deref().unwrap_or("")).into_owned()),
                Cell::from(i.status.as_str()),
                Cell::from(i.actions.to_string()),
                Cell::from(seen),
            ])
            .style(style),
        );
    }
    let h = ui.heights.instances.max(1);
    let rows: Vec<TRow> = rows
        .into_iter()
        .enumerate()
        .skip(ui.inst_offset)
        .take(h)
        .map(|(n, r)| {
            if n == ui.inst_cursor {
                r.style(theme.cursor())
            } else {
                r
            }
        })
        .collect();
    let widths = [
        Constraint::Length(14),
        Constraint::Fill(2),
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(10),
    ];
    let table = Table::new(rows, widths).header(header).block(block(
        title,
        ui.focus == Pane::Instances,
        theme,
    ));
    f.render_widget(table, area);
}

fn actions(f: &mut Frame, ui: &Ui, theme: Theme, area: Rect) {
    let v = ui.visible();
    let sel = ui.act_index(&v);
    let who = match &ui.chosen {
        None => "all".to_string(),
        Some(id) => ui
            .instances
            .iter()
            .find(|i| i.id == *id)
            .map_or_else(|| id.chars().take(7).collect(), |i| i.name()),
    };
    let mut title = format!(" Actions · {} · {}", sanitize(&who), v.len());
    if v.len() != ui.total() {
        title.push_str(&format!(" of {}", ui.total()));
    }
    if ui.paused_at.is_some() {
        title.push_str(" · PAUSED (p)");
    } else if ui.follow {
        title.push_str(" · following");
    } else if ui.unseen > 0 {
        title.push_str(&format!(" · {} new (G)", ui.unseen));
    }
    title.push(' ');
    let all = ui.chosen.is_none();
    // On a narrow pane the time goes first (the detail's title has it).
    let inner = area.width.saturating_sub(2);
    let time = inner >= if all { 64 } else { 40 };
    let mut head = vec!["ID"];
    if time {
        head.push("TIME");
    }
    if all {
        head.push("WHO");
    }
    head.extend(["TYPE", "PAYLOAD"]);
    let header = TRow::new(head).style(Style::new().add_modifier(Modifier::BOLD));
    let h = ui.heights.actions.max(1);
    let first = ui.act_offset.min(v.len());
    let last = (first + h).min(v.len());
    let rows: Vec<TRow> = v
        .range(first..last)
        .enumerate()
        .map(|(n, r)| (n + first, r))
        .map(|(n, r)| {
            let row = action_row(ui, theme, r, all, time);
            if Some(n) == sel {
                row.style(theme.cursor())
            } else {
                row
            }
        })
        .collect();
    // The id column is as wide as the widest id shown.
    let id_w = v
        .range(first..last)
        .filter_map(|r| r.action().and_then(|a| a.id))
        .map(|id| id.to_string().len())
        .max()
        .unwrap_or(0)
        .max(3) as u16
        + 1;
    let mut widths = vec![Constraint::Length(id_w)];
    if time {
        widths.push(Constraint::Length(if ui.relative { 10 } else { 12 }));
    }
    if all {
        widths.push(Constraint::Length(13));
    }
    widths.extend([Constraint::Fill(3), Constraint::Fill(1)]);
    let mut table = Table::new(rows, widths).header(header).block(block(
        title,
        ui.focus == Pane::Actions,
        theme,
    ));
    if v.is_empty() {
        table = table.footer(TRow::new(["", "", "(no actions yet)"]).style(theme.dim()));
    }
    f.render_widget(table, area);
}

fn action_row(ui: &Ui, theme: Theme, r: &Row, all: bool, time: bool) -> TRow<'static> {
    let who = || {
        ui.instances
            .iter()
            .find(|i| *i.id == *r.instance)
            .map_or_else(|| r.instance.chars().take(7).collect(), |i| i.name())
    };
    let mut cells = Vec::new();
    match &r.kind {
        RowKind::Action(a) => {
            cells.push(Cell::from(a.id.map_or("-".into(), |i| i.to_string())));
            if time {
                cells.push(Cell::from(when(ui, r.ts)).style(theme.dim()));
            }
            if all {
                cells.push(Cell::from(sanitize(&who()).into_owned()).style(theme.number()));
            }
            let mut ty = vec![Span::raw(sanitize(&a.ty).into_owned())];
            if a.via_state {
                ty.insert(0, Span::styled("↺ ", theme.warn()));
            }
            cells.push(Cell::from(Line::from(ty)).style(Style::new().add_modifier(Modifier::BOLD)));
            cells.push(Cell::from(sanitize(&a.short()).into_owned()).style(theme.dim()));
        }
        RowKind::Gap { from, to } => {
            cells.push(Cell::from("…"));
            if time {
                cells.push(Cell::from(when(ui, r.ts)).style(theme.dim()));
            }
            if all {
                cells.push(Cell::from(sanitize(&who()).into_owned()));
            }
            cells.push(Cell::from(Row::gap_text(*from, *to)).style(theme.warn()));
            cells.push(Cell::from("the app no longer holds them").style(theme.dim()));
        }
    }
    TRow::new(cells)
}

fn detail(f: &mut Frame, ui: &Ui, theme: Theme, area: Rect) {
    let row = ui.selected();
    let head = match row.as_deref() {
        None => " Detail ".to_string(),
        Some(r) => match &r.kind {
            RowKind::Action(a) => format!(
                " #{} {} · {}{} ",
                a.id.map_or("-".into(), |i| i.to_string()),
                sanitize(&crate::output::truncate(&a.ty, 30)),
                clock_ms(r.ts),
                if a.via_state { " · via state" } else { "" }
            ),
            RowKind::Gap { from, to } => format!(" {} ", Row::gap_text(*from, *to)),
        },
    };
    let b = block(head, ui.focus == Pane::Detail, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let [tabs_area, body] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    let numbered = inner.width >= 38;
    let titles: Vec<String> = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if numbered {
                format!("{} {}", i + 1, t.title())
            } else {
                t.title().to_string()
            }
        })
        .collect();
    let sel = Tab::ALL.iter().position(|t| *t == ui.tab).unwrap_or(0);
    let tabs = Tabs::new(titles)
        .select(sel)
        .highlight_style(theme.cursor().add_modifier(Modifier::BOLD))
        .block(Block::new().borders(ratatui::widgets::Borders::BOTTOM));
    f.render_widget(tabs, tabs_area);
    let Some(row) = row else {
        f.render_widget(
            Paragraph::new("Choose an action (Tab to the Actions pane).").style(theme.dim()),
            body,
        );
        return;
    };
    let Some(a) = row.action() else {
        f.render_widget(
            Paragraph::new(
                "The app no longer holds these actions (its history keeps only its last maxAge \
                 actions): rdx will never see them.",
            )
            .wrap(Wrap { trim: true }),
            body,
        );
        return;
    };
    match ui.tab {
        Tab::Action => {
            let v: Value = serde_json::from_str(&a.raw).unwrap_or(Value::Null);
            let lines = json_lines(&v, theme);
            scrolled(f, ui, lines, body);
        }
        Tab::Raw => {
            // The message as received while its state is held; else the
            // action as it came, and why there is no more.
            let lines = match ui.message_of(&row) {
                Some(m) => vec![Line::raw(sanitize(&m).into_owned())],
                None => vec![
                    Line::styled(
                        "the message it came in is not held (rdx keeps it with the newest states of \
                         an ACTION); its action as received:",
                        theme.dim(),
                    ),
                    Line::raw(sanitize(&a.raw).into_owned()),
                ],
            };
            let p = Paragraph::new(Text::from(lines))
                .wrap(Wrap { trim: false })
                .scroll((ui.text_scroll.min(u16::MAX as usize) as u16, 0));
            f.render_widget(p, body);
        }
        Tab::Diff => {
            let said = |s: &'static str| vec![Line::styled(s, theme.dim())];
            let lines = match ui.diff_of(&row) {
                DiffOf::Edits(d) if d.is_empty() => said("no change"),
                DiffOf::Edits(d) => d.iter().map(|e| edit_line(e, theme)).collect(),
                DiffOf::NoBefore => said("no diff: the state before this action was not seen"),
                DiffOf::NoState => said("no diff: the app sent no state with this action"),
                DiffOf::LetGo => said(
                    "no diff: the state after this action, or the one before it, is no longer held",
                ),
            };
            let p = Paragraph::new(Text::from(lines))
                .wrap(Wrap { trim: false })
                .scroll((ui.text_scroll.min(u16::MAX as usize) as u16, 0));
            f.render_widget(p, body);
        }
        Tab::State => state_tab(f, ui, theme, &row, body),
    }
}

fn scrolled(f: &mut Frame, ui: &Ui, lines: Vec<Line<'static>>, area: Rect) {
    let max = lines.len().saturating_sub(area.height as usize);
    let y = ui.text_scroll.min(max);
    let p = Paragraph::new(Text::from(lines)).scroll((y.min(u16::MAX as usize) as u16, 0));
    f.render_widget(p, area);
}

fn state_tab(f: &mut Frame, ui: &Ui, theme: Theme, row: &Row, area: Rect) {
    let Some(lines) = ui.tree_lines() else {
        let l = ui.limits();
        let text = if row.action().is_some_and(|a| a.had_state) {
            let diff = match ui.diff_of(row) {
                DiffOf::Edits(_) => " What it changed is still in the Diff tab (3).",
                _ => "",
            };
            format!(
                "The state after this action is no longer held (rdx keeps the last {} states, \
                 {} MiB, per instance: --keep-states, --keep-mb).{diff}",
                l.states,
                l.bytes >> 20
            )
        } else {
            "The app sent no state with this action.".to_string()
        };
        f.render_widget(
            Paragraph::new(text)
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let [path_area, tree_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let cursor = ui.tree_cursor.min(lines.len().saturating_sub(1));
    let path = ui.tree_path().unwrap_or_default();
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("path ", theme.dim()),
            Span::styled(sanitize(&path).into_owned(), theme.key()),
        ])),
        path_area,
    );
    let h = tree_area.height as usize;
    let shown: Vec<Line> = lines
        .iter()
        .enumerate()
        .skip(ui.tree_offset)
        .take(h)
        .map(|(n, l)| {
            let line = tree_line(l, theme);
            if n == cursor {
                line.style(theme.cursor())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(Text::from(shown)), tree_area);
    if lines.len() >= tree::MAX_LINES {
        let note = Rect {
            y: tree_area.bottom().saturating_sub(1),
            height: 1,
            ..tree_area
        };
        f.render_widget(
            Paragraph::new(format!("(the first {} lines only)", tree::MAX_LINES))
                .style(theme.warn()),
            note,
        );
    }
}

fn tree_line(l: &tree::Line, theme: Theme) -> Line<'static> {
    let indent = "  ".repeat(l.depth);
    let name = sanitize(&l.name()).into_owned();
    let name_style = if matches!(l.path.last(), Some(crate::query::paths::Seg::Index(_))) {
        theme.number()
    } else {
        theme.key()
    };
    match &l.kind {
        Kind::Open {
            array,
            children,
            folded,
            bytes,
        } => {
            let (arrow, (open, close)) = (
                if *folded { "▸ " } else { "▾ " },
                if *array { ("[", "]") } else { ("{", "}") },
            );
            let count = if *children == 0 {
                format!("{open}{close}")
            } else if *folded {
                format!("{open}…{close} {children}")
            } else {
                format!("{open}{children}{close}")
            };
            Line::from(vec![
                Span::raw(indent),
                Span::raw(arrow),
                Span::styled(name, name_style),
                Span::raw(" "),
                Span::styled(count, theme.dim()),
                Span::styled(format!("  {}", tree::human(*bytes)), theme.dim()),
            ])
        }
        Kind::Leaf(text) => Line::from(vec![
            Span::raw(indent),
            Span::raw("  "),
            Span::styled(name, name_style),
            Span::raw(": "),
            scalar_span(text, theme),
        ]),
    }
}

fn scalar_span(text: &str, theme: Theme) -> Span<'static> {
    let style = match text.as_bytes().first() {
        Some(b'"') => theme.string(),
        Some(b't' | b'f' | b'n') => theme.literal(),
        _ => theme.number(),
    };
    Span::styled(sanitize(text).into_owned(), style)
}

fn edit_line(e: &Edit, theme: Theme) -> Line<'static> {
    let c = |v: &Value| sanitize(&crate::output::compact(v)).into_owned();
    match e {
        Edit::Added { path, new } => Line::from(vec![
            Span::styled("+ ", theme.fg(Color::Green)),
            Span::styled(sanitize(path).into_owned(), theme.key()),
            Span::raw(": "),
            Span::styled(c(new), theme.fg(Color::Green)),
        ]),
        Edit::Removed { path, old } => Line::from(vec![
            Span::styled("- ", theme.fg(Color::Red)),
            Span::styled(sanitize(path).into_owned(), theme.key()),
            Span::raw(": "),
            Span::styled(c(old), theme.fg(Color::Red)),
        ]),
        Edit::Changed { path, old, new } => Line::from(vec![
            Span::styled("~ ", theme.fg(Color::Yellow)),
            Span::styled(sanitize(path).into_owned(), theme.key()),
            Span::raw(": "),
            Span::styled(c(old), theme.fg(Color::Red)),
            Span::raw(" → "),
            Span::styled(c(new), theme.fg(Color::Green)),
        ]),
    }
}

/// A value pretty-printed as jq does, one styled line per line.
pub(crate) fn json_lines(v: &Value, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    pretty(v, 0, theme, &mut cur, &mut out);
    out.push(Line::from(cur));
    out
}

fn pretty(
    v: &Value,
    depth: usize,
    theme: Theme,
    cur: &mut Vec<Span<'static>>,
    out: &mut Vec<Line<'static>>,
) {
    let newline = |cur: &mut Vec<Span<'static>>, out: &mut Vec<Line<'static>>, d: usize| {
        out.push(Line::from(std::mem::take(cur)));
        cur.push(Span::raw("  ".repeat(d)));
    };
    match v {
        Value::Object(o) if !o.is_empty() => {
            cur.push(Span::raw("{"));
            for (n, (k, child)) in o.iter().enumerate() {
                newline(cur, out, depth + 1);
                let key = serde_json::to_string(k).unwrap_or_default();
                cur.push(Span::styled(sanitize(&key).into_owned(), theme.key()));
                cur.push(Span::raw(": "));
                pretty(child, depth + 1, theme, cur, out);
                if n + 1 < o.len() {
                    cur.push(Span::raw(","));
                }
            }
            newline(cur, out, depth);
            cur.push(Span::raw("}"));
        }
        Value::Array(a) if !a.is_empty() => {
            cur.push(Span::raw("["));
            for (n, child) in a.iter().enumerate() {
                newline(cur, out, depth + 1);
                pretty(child, depth + 1, theme, cur, out);
                if n + 1 < a.len() {
                    cur.push(Span::raw(","));
                }
            }
            newline(cur, out, depth);
            cur.push(Span::raw("]"));
        }
        other => {
            let text = serde_json::to_string(other).unwrap_or_default();
            cur.push(scalar_span(&text, theme));
        }
    }
}

fn status_line(f: &mut Frame, ui: &Ui, theme: Theme, area: Rect) {
    if let Some(prompt) = &ui.editing {
        let line = Line::from(vec![
            Span::styled(sanitize(&prompt.kind.title()).into_owned(), theme.key()),
            Span::raw(sanitize(&prompt.text).into_owned()),
            Span::styled("█", Style::new()),
        ]);
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    // A message (a bad regex, a label written) comes first: it is what the
    // user just did.
    let mut left = match &ui.message {
        Some(m) => vec![
            Span::raw(" "),
            Span::styled(sanitize(m).into_owned(), theme.warn()),
            Span::raw(" ·"),
        ],
        None => Vec::new(),
    };
    // The source (a file's path can be long) gets what the rest leaves, cut
    // in the middle, so the link, the filter and the help never fall off.
    let at = left.len();
    left.extend([
        Span::raw(" · "),
        Span::styled(
            sanitize(&ui.link).into_owned(),
            if ui.link_down {
                theme.warn()
            } else {
                Style::new()
            },
        ),
    ]);
    let total: usize = ui.instances.len();
    left.push(Span::raw(format!(" · {total} instance(s)")));
    if let Some(flt) = &ui.filter {
        let bang = if ui.invert { "!" } else { "" };
        left.push(Span::styled(
            format!(" · filter {bang}/{}/", sanitize(&flt.text)),
            theme.warn(),
        ));
    }
    left.push(Span::styled(" · ? help", theme.dim()));
    let used: usize = left.iter().map(|s| width(&s.content)).sum::<usize>() + 1;
    let room = (area.width as usize).saturating_sub(used);
    let source = sanitize(&ui.source);
    let source = elide_middle(&source, room.max(MIN_SOURCE)).into_owned();
    left.insert(at, Span::styled(source, theme.key()));
    left.insert(at, Span::raw(" "));
    f.render_widget(
        Paragraph::new(Line::from(left)).style(Style::new().add_modifier(Modifier::REVERSED)),
        area,
    );
}

/// The fewest characters of the source the status line shows, however
/// narrow the terminal: enough to tell a file from a server.
const MIN_SOURCE: usize = 12;

fn help(f: &mut Frame, ui: &mut Ui, theme: Theme, area: Rect) {
    let lines = keys::help_lines();
    let h = (lines.len() as u16 + 2).min(area.height);
    let w = 78.min(area.width);
    let popup = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    let text: Vec<Line> = lines
        .into_iter()
        .map(|(title, l)| match title {
            Some(t) => Line::styled(t.to_string(), theme.key()),
            None => Line::raw(format!("  {l}")),
        })
        .collect();
    let max = text.len().saturating_sub(h.saturating_sub(2) as usize);
    ui.help_scroll = ui.help_scroll.min(max);
    let title = if max > 0 {
        " rdx ui · keys (j/k scroll, any other key closes) "
    } else {
        " rdx ui · keys (any key closes) "
    };
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(Text::from(text))
            .scroll((ui.help_scroll as u16, 0))
            .block(
                Block::bordered()
                    .title(title)
                    .border_style(theme.border(true)),
            ),
        popup,
    );
}

#[cfg(test)]
mod tests;
