//! `rdx ui` in a real terminal: tmux runs it, keys go in with `send-keys`,
//! and each test reads the screen back with `capture-pane` and asserts what
//! a person sees — waiting for the text to appear (with a deadline), never
//! sleeping. On recordings, and live against the real server with real
//! Redux stores. Also: the terminal is given back (alternate screen left,
//! cursor shown, `stty` sane) after q, SIGTERM, SIGHUP and a panic, and
//! without a terminal rdx says so (exit 2).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::util::e2e::{Apps, Server};
use crate::util::{TempDir, fixture, replay, stderr};

/// The longest wait for a screen.
const DEADLINE: Duration = Duration::from_secs(20);

/// A tmux server of its own (its own socket, no config) running one
/// script in one window.
struct Tmux {
    socket: String,
    dir: TempDir,
}

impl Tmux {
    /// `rdx ARGS` in a `w`×`h` terminal; after it exits the pane says
    /// `rdx exited CODE` and how the terminal is (`tty: icanon echo ...`).
    fn start(args: &[&str], w: u16, h: u16, env: &[(&str, &str)]) -> Tmux {
        Tmux::start_redirected(args, "", w, h, env)
    }

    /// The same, with a shell redirection after rdx's arguments
    /// (`> out.txt`, `< /dev/null`).
    fn start_redirected(
        args: &[&str],
        redirect: &str,
        w: u16,
        h: u16,
        env: &[(&str, &str)],
    ) -> Tmux {
        let dir = TempDir::new("ui");
        let socket = format!(
            "rdx-ui-{}-{}",
            std::process::id(),
            dir.0.file_name().unwrap().to_string_lossy()
        );
        let quoted: Vec<String> = args.iter().map(|a| shell_quote(a)).collect();
        let exports: String = env
            .iter()
            .map(|(k, v)| format!("export {k}={}\n", shell_quote(v)))
            .collect();
        // rdx runs as the inner script's process (exec), whose pid it
        // writes first: a test signals it by that pid.
        let inner = format!(
            "echo $$ > {pid}\n{exports}exec {rdx} {args} {redirect}\n",
            pid = shell_quote(&dir.join("pid")),
            rdx = shell_quote(env!("CARGO_BIN_EXE_rdx")),
            args = quoted.join(" "),
        );
        std::fs::write(dir.join("inner.sh"), inner).unwrap();
        let outer = format!(
            "sh {inner}\necho \"rdx exited $?\"\n\
             printf 'tty: '; stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo|isig|icrnl|opost)$' | tr '\\n' ' '; echo ':tty'\n\
             exec sleep 600\n",
            inner = shell_quote(&dir.join("inner.sh")),
        );
        std::fs::write(dir.join("outer.sh"), outer).unwrap();
        let t = Tmux { socket, dir };
        let o = t.tmux(&[
            "new-session",
            "-d",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            "-s",
            "ui",
            &format!("sh {}", shell_quote(&t.dir.join("outer.sh"))),
        ]);
        assert!(o.status.success(), "tmux new-session: {}", stderr(&o));
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        // The tests may themselves run inside tmux; this server is apart.
        c.env_remove("TMUX");
        c.env("TERM", "xterm-256color");
        crate::util::isolate(&mut c);
        c.output().expect("tmux")
    }

    /// The screen as text.
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "ui"]).stdout).into_owned()
    }

    /// A tmux format of the pane (`#{alternate_on}`, `#{cursor_flag}`).
    fn format(&self, f: &str) -> String {
        let o = self.tmux(&["display-message", "-p", "-t", "ui", f]);
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// Wait until the screen shows every one of `texts`; the screen then.
    #[track_caller]
    fn wait_for(&self, texts: &[&str]) -> String {
        self.wait_for_within(texts, DEADLINE)
    }

    #[track_caller]
    fn wait_for_within(&self, texts: &[&str], limit: Duration) -> String {
        let end = Instant::now() + limit;
        loop {
            let s = self.screen();
            if texts.iter().all(|t| s.contains(t)) {
                return s;
            }
            if Instant::now() > end {
                panic!("watchdog: the screen never showed {texts:?} within {limit:?}:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait until the screen no longer shows `text`.
    #[track_caller]
    fn wait_gone(&self, text: &str) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let s = self.screen();
            if !s.contains(text) {
                return s;
            }
            if Instant::now() > end {
                panic!("watchdog: the screen still shows {text:?} after {DEADLINE:?}:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Keys as tmux names them (`j`, `Tab`, `C-c`, `BTab`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "ui"];
        args.extend_from_slice(keys);
        let o = self.tmux(&args);
        assert!(o.status.success(), "send-keys: {}", stderr(&o));
    }

    /// Text typed as it is (no key names).
    fn type_text(&self, text: &str) {
        let o = self.tmux(&["send-keys", "-t", "ui", "-l", text]);
        assert!(o.status.success(), "send-keys -l: {}", stderr(&o));
    }

    fn rdx_pid(&self) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Ok(p) = std::fs::read_to_string(self.dir.join("pid"))
                && !p.trim().is_empty()
            {
                return p.trim().to_string();
            }
            assert!(Instant::now() < end, "watchdog: rdx never started");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// After rdx ended: its exit code as the shell saw it, and the
    /// terminal given back (the main screen, the cursor, a cooked tty).
    #[track_caller]
    fn expect_restored(&self, code: i32) -> String {
        let s = self.wait_for(&["rdx exited", ":tty"]);
        assert!(s.contains(&format!("rdx exited {code}")), "{s}");
        let tty = s.lines().find(|l| l.starts_with("tty:")).unwrap();
        for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
            assert!(
                tty.split_whitespace().any(|w| w == flag),
                "stty is not sane after rdx ui ({flag}): {tty}"
            );
        }
        assert_eq!(
            self.format("#{alternate_on}"),
            "0",
            "the alternate screen is left"
        );
        assert_eq!(self.format("#{cursor_flag}"), "1", "the cursor is shown");
        s
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn ui_on_a_recording_shows_instances_actions_and_the_state_tree() {
    let f = fixture("two-apps.jsonl");
    let t = Tmux::start(&["--replay", &f, "ui"], 100, 30, &[]);
    let s = t.wait_for(&["end of the recording", "Actions · all · 54 · following"]);
    for who in [
        "0wsdu0lhs99",
        "4xxi9ufznu6",
        "65ioovqadda",
        "alpha",
        "beta",
        "gone",
    ] {
        assert!(s.contains(who), "{who}:\n{s}");
    }
    assert_eq!(t.format("#{alternate_on}"), "1", "on the alternate screen");
    // The state after the newest action, as a tree.
    assert!(s.contains("path ."), "{s}");
    assert!(s.contains("▾ todos [4]"), "{s}");
    // Down to the first instance (beta): its actions only.
    t.keys(&["j"]);
    let s = t.wait_for(&["Actions · beta·0wsdu0l · 18"]);
    assert!(!s.contains("alpha·65ioovq  "), "{s}");
    // Into the tree: l goes to the first child, h folds, the path follows.
    t.keys(&["Tab", "Tab", "l"]);
    t.wait_for(&["path .counter"]);
    t.keys(&["j", "j", "h"]);
    let s = t.wait_for(&["path .todos", "▸ todos […] 4"]);
    assert!(!s.contains("text: \"todo #1\""), "folded:\n{s}");
    // The Diff tab of that action.
    t.keys(&["3"]);
    t.wait_for(&["~ .counter.value: 21 → 38"]);
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_an_action_whose_state_was_let_go_keeps_its_diff() {
    let f = fixture("two-apps.jsonl");
    let t = Tmux::start(
        &["--replay", &f, "ui", "--keep-states", "3", "--keep-mb", "5"],
        160,
        30,
        &[],
    );
    t.wait_for(&["end of the recording", "Actions · all · 54 · following"]);
    // beta's fifth action: 13 of its states came after it, 3 are held.
    t.keys(&["j"]);
    t.wait_for(&["Actions · beta·0wsdu0l · 18"]);
    t.keys(&["Tab", "g", "j", "j", "j", "j", "2"]);
    t.wait_for(&[
        "#5 counter/decremented",
        "is no longer",
        "the last 3 states, 5",
        "What it changed is still in the",
    ]);
    t.keys(&["3"]);
    t.wait_for(&["~ .counter.value: 3 → 2"]);
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_shows_a_gap_row_actions_recovered_from_a_state_and_follows_like_less() {
    let f = fixture("gap-lost.jsonl");
    let t = Tmux::start(&["--replay", &f, "ui"], 100, 30, &[]);
    let s = t.wait_for(&["end of the recording", "3 lost (ids 5-7)"]);
    assert!(s.contains("↺ cart/itemAdded"), "via state is marked:\n{s}");
    // Up in the list: no longer following; G follows again.
    t.keys(&["Tab", "k", "k"]);
    let s = t.wait_for(&["#12 cart/itemAdded"]);
    assert!(!s.contains("following"), "{s}");
    t.keys(&["G"]);
    t.wait_for(&["following", "#14 cart/itemAdded"]);
    // The gap row chosen says what it is.
    for _ in 0..7 {
        t.keys(&["k"]);
    }
    t.wait_for(&["The app no longer holds these actions"]);
    t.keys(&["C-c"]);
    t.expect_restored(0);
}

#[test]
fn ui_filters_action_types_by_regex_and_inverts() {
    let f = fixture("gap-lost.jsonl");
    let t = Tmux::start(&["--replay", &f, "ui"], 100, 30, &[]);
    t.wait_for(&["end of the recording", "Actions · all · 12"]);
    t.keys(&["Tab", "/"]);
    t.wait_for(&["filter action types (regex"]);
    t.type_text("^counter");
    t.keys(&["Enter"]);
    let s = t.wait_for(&["filter /^counter/", "Actions · all · 6 of 12"]);
    let list: String = s.lines().skip(6).flat_map(|l| l.chars().take(60)).collect();
    assert!(!list.contains("cart/itemAdded"), "{s}");
    t.keys(&["!"]);
    t.wait_for(&["filter !/^counter/", "Actions · all · 7 of 12"]);
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_help_overlay_lists_the_keys_and_any_key_closes_it() {
    let f = fixture("two-apps.jsonl");
    let t = Tmux::start(&["--replay", &f, "ui"], 100, 40, &[]);
    t.wait_for(&["end of the recording"]);
    t.keys(&["?"]);
    let s = t.wait_for(&["rdx ui · keys", "fold the node, or go to its parent"]);
    for k in [
        "Shift-Tab",
        "filter action types by regex",
        "like less +F",
        "Ctrl-C",
    ] {
        assert!(s.contains(k), "{k}:\n{s}");
    }
    t.keys(&["x"]);
    t.wait_gone("rdx ui · keys");
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_says_the_terminal_is_too_small_and_recovers_on_resize() {
    let f = fixture("two-apps.jsonl");
    let t = Tmux::start(&["--replay", &f, "ui"], 60, 15, &[]);
    t.wait_for(&["at least 80x20", "60x15"]);
    let o = t.tmux(&["resize-window", "-t", "ui", "-x", "100", "-y", "30"]);
    assert!(o.status.success(), "{}", stderr(&o));
    t.wait_for(&["Actions · all · 54"]);
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_gives_the_terminal_back_on_sigterm_sighup_and_a_panic() {
    let f = fixture("two-apps.jsonl");
    for (sig, code) in [("TERM", 143), ("HUP", 129)] {
        let t = Tmux::start(&["--replay", &f, "ui"], 100, 30, &[]);
        t.wait_for(&["end of the recording"]);
        let pid = t.rdx_pid();
        let o = Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .output()
            .unwrap();
        assert!(o.status.success(), "kill -{sig}: {}", stderr(&o));
        t.expect_restored(code);
    }
    let t = Tmux::start(
        &["--replay", &f, "ui"],
        100,
        30,
        &[("RDX_UI_TEST_PANIC", "1")],
    );
    let s = t.expect_restored(101);
    assert!(s.contains("a crash on purpose"), "the panic is said:\n{s}");
}

#[test]
fn ui_without_a_terminal_exits_2_and_points_at_tail_and_state() {
    let r = replay(&fixture("two-apps.jsonl"), &["ui"]);
    r.expect(2);
    let e = stderr(&r);
    assert!(e.contains("rdx ui needs a terminal"), "{e}");
    assert!(e.contains("rdx tail") && e.contains("rdx state"), "{e}");
    // In a terminal, with only one end of it a terminal: `rdx ui > file`
    // (stdin is the tty) and `rdx ui < /dev/null` (stdout is): the same exit,
    // the message on the screen, the terminal untouched, nothing written.
    let f = fixture("two-apps.jsonl");
    let dir = TempDir::new("ui-half-tty");
    let out = dir.join("out.txt");
    for redirect in [format!("> {}", shell_quote(&out)), "< /dev/null".into()] {
        let t = Tmux::start_redirected(&["--replay", &f, "ui"], &redirect, 100, 30, &[]);
        let s = t.expect_restored(2);
        assert!(s.contains("rdx ui needs a terminal"), "{redirect}: {s}");
        assert!(!s.contains("Instances"), "{redirect}: drawn anyway: {s}");
    }
    let written = std::fs::read(&out).unwrap();
    assert!(
        written.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&written)
    );
}

#[test]
fn ui_live_shows_a_real_store_as_it_dispatches() {
    let server = Server::start();
    let url = server.url();
    let t = Tmux::start(&["--url", &url, "ui"], 100, 30, &[]);
    t.wait_for(&["· connected"]);
    let mut apps = Apps::start(&server, &["shop"], &["--stdin-control"]);
    t.wait_for(&["shop", "live"]);
    apps.0.send_line("dispatch shop counter/incremented");
    apps.0
        .send_line("dispatch shop todos/todoAdded \"buy milk\"");
    let s = t.wait_for(&["counter/incremented", "todos/todoAdded"]);
    assert!(s.contains("Instances · 1 live"), "{s}");
    // Its state after the newest action, then what that action changed.
    t.keys(&["j"]);
    t.wait_for(&["Actions · shop·"]);
    t.keys(&["3"]);
    t.wait_for(&["+ .todos"]);
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_labels_an_instance_in_the_label_store_and_goes_to_a_path() {
    let f = fixture("gap-lost.jsonl");
    let dir = TempDir::new("ui-labels");
    let store = dir.join("labels.json");
    let t = Tmux::start(&["--replay", &f, "--labels", &store, "ui"], 100, 30, &[]);
    t.wait_for(&["end of the recording"]);
    t.keys(&["j", "L"]);
    t.wait_for(&["label c4od32580p5"]);
    t.type_text("checkout");
    t.keys(&["Enter"]);
    t.wait_for(&["labelled c4od32580p5 as checkout", "Actions · checkout ·"]);
    let written = std::fs::read_to_string(&store).unwrap();
    assert!(
        written.contains("\"c4od32580p5\"") && written.contains("checkout"),
        "{written}"
    );
    // `rdx sessions` reads the same store.
    let r = replay(&f, &["--labels", &store, "sessions", "--json"]);
    r.expect(0);
    assert!(crate::util::stdout(&r).contains("\"label\":\"checkout\""));
    // `:` goes to a path in the state tree, unfolding what hides it.
    t.keys(&["Tab", "Tab", "c", ":"]);
    t.wait_for(&["go to the path"]);
    t.type_text(".cart.items[2].sku");
    t.keys(&["Enter"]);
    t.wait_for(&["path .cart.items[2].sku", "sku: \"sku-6\""]);
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_gives_the_terminal_back_when_the_link_is_lost_with_no_reconnect() {
    let server = Server::start();
    let url = server.url();
    let t = Tmux::start(&["--url", &url, "--no-reconnect", "ui"], 100, 30, &[]);
    t.wait_for(&["· connected"]);
    drop(server);
    let s = t.expect_restored(3);
    // The error is said after the screen is back (so it stays readable).
    assert!(s.contains("rdx: could not connect"), "{s}");
    assert!(s.contains("--no-reconnect"), "{s}");
}

#[test]
fn ui_scrolls_a_100k_action_recording_end_to_end() {
    use crate::util::generated::{T0, action, frame, handshake};
    let dir = TempDir::new("ui-100k");
    let file = dir.join("100k.jsonl");
    let mut text = handshake(T0);
    for id in 1..=100_000i64 {
        let t = T0 + id as u64;
        text.push_str(&frame(t, &action(0, id, t)));
    }
    std::fs::write(&file, text).unwrap();
    let t = Tmux::start(&["--replay", &file, "ui"], 100, 30, &[]);
    let started = Instant::now();
    // A debug build reads it in about 10 s on a loaded 2-core machine.
    t.wait_for_within(
        &["end of the recording", "Actions · all · 100000 · following"],
        Duration::from_secs(120),
    );
    eprintln!("100k actions read and drawn in {:?}", started.elapsed());
    t.wait_for(&["#100000 counter/incremented"]);
    // In "all" (which keeps 100,000): to the first action, whose state is
    // no longer held, a page down, and back to the newest.
    t.keys(&["Tab", "g"]);
    let s = t.wait_for(&["#1 counter/incremented", "is no longer"]);
    assert!(!s.contains("following"), "{s}");
    t.keys(&["PageDown"]);
    t.wait_for(&["#22 counter/incremented"]);
    t.keys(&["G"]);
    t.wait_for(&["#100000 counter/incremented", "following"]);
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_browser_page_load_time_actions_a_click_and_a_reload_followed() {
    use crate::util::browser::Browser;
    let server = Server::start();
    let url = server.url();
    let mut browser = Browser::start(server.port);
    let opened = browser.open("t1", "shop");
    let old = opened["instance"].as_str().unwrap().to_string();
    let t = Tmux::start(
        &["--url", &url, "ui", "--instance-select", "/^shop$/"],
        110,
        30,
        &[],
    );
    // The page's load-time actions reached rdx inside its STATE (↺).
    let short_old: String = old.chars().take(7).collect();
    t.wait_for(&[
        &format!("Actions · shop·{short_old}"),
        "catalog/load/fulfilled",
    ]);
    let click = browser.click("t1", "add-to-cart");
    let ty = click["action_type"].as_str().unwrap().to_string();
    t.wait_for(&[&ty]);
    // A reload: the selection follows the new page.
    let reloaded = browser.reload("t1");
    let new = reloaded["instance"].as_str().unwrap().to_string();
    let short_new: String = new.chars().take(7).collect();
    t.wait_for(&[
        &format!("Actions · shop·{short_new}"),
        "catalog/load/fulfilled",
    ]);
    browser.click("t1", "add-to-cart");
    t.wait_for(&[&format!("Actions · shop·{short_new}"), &ty]);
    t.keys(&["q"]);
    t.expect_restored(0);
}

/// The draws `rdx ui` counted so far (`RDX_UI_STATS`, written after each).
fn draws(stats: &str) -> u64 {
    let text = std::fs::read_to_string(stats).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_default();
    v["draws"].as_u64().unwrap_or(0)
}

#[test]
fn ui_idle_draws_nothing_on_a_recording_or_a_quiet_server() {
    // No event is awaited here: the claim is that none comes. Two seconds
    // of quiet are watched, after what the screen says has settled.
    let quiet = Duration::from_secs(2);
    let f = fixture("two-apps.jsonl");
    let dir = TempDir::new("ui-idle");
    let stats = dir.join("stats.json");
    let t = Tmux::start(
        &["--replay", &f, "ui"],
        100,
        30,
        &[("RDX_UI_STATS", &stats)],
    );
    t.wait_for(&["end of the recording"]);
    let settled = draws(&stats);
    assert!(settled >= 1);
    std::thread::sleep(quiet);
    assert_eq!(
        draws(&stats),
        settled,
        "a recording at its end was drawn again"
    );
    // A key that changes the screen draws once.
    t.keys(&["t"]);
    let end = Instant::now() + DEADLINE;
    while draws(&stats) == settled {
        assert!(Instant::now() < end, "watchdog: the key was never drawn");
        std::thread::sleep(Duration::from_millis(20));
    }
    t.keys(&["q"]);
    t.expect_restored(0);

    // Live, a server with no apps: nothing shows an age, so nothing is drawn.
    let server = Server::start();
    let url = server.url();
    let live_stats = dir.join("live.json");
    let t = Tmux::start(
        &["--url", &url, "ui"],
        100,
        30,
        &[("RDX_UI_STATS", &live_stats)],
    );
    t.wait_for(&["· connected"]);
    let settled = draws(&live_stats);
    std::thread::sleep(quiet);
    assert_eq!(
        draws(&live_stats),
        settled,
        "an idle live screen was drawn again"
    );
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_with_a_selector_preselects_it_and_keeps_every_other_instance_in_view() {
    let server = Server::start();
    let url = server.url();
    let mut apps = Apps::start(&server, &["shop", "admin"], &["--stdin-control"]);
    let t = Tmux::start(
        &["--url", &url, "ui", "--instance-select", "/^admin$/"],
        110,
        30,
        &[],
    );
    t.wait_for(&["Instances · 2 live"]);
    apps.0.send_line("dispatch shop cart/itemAdded");
    apps.0.send_line("dispatch admin users/banned");
    let s = t.wait_for(&["Actions · admin·", "users/banned"]);
    let list: String = s.lines().skip(5).flat_map(|l| l.chars().take(60)).collect();
    assert!(!list.contains("cart/itemAdded"), "{s}");
    // Up to "all": the other app's actions are there too.
    t.keys(&["BTab", "g"]);
    t.wait_for(&["Actions · all", "cart/itemAdded", "users/banned"]);
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_chosen_by_hand_a_tab_that_reloads_is_followed() {
    use crate::util::browser::Browser;
    let server = Server::start();
    let url = server.url();
    let mut browser = Browser::start(server.port);
    let shop = browser.open("t1", "shop")["instance"]
        .as_str()
        .unwrap()
        .to_string();
    browser.open("t2", "admin");
    let dir = TempDir::new("ui-reload");
    let labels = dir.join("labels.json");
    let t = Tmux::start(&["--url", &url, "--labels", &labels, "ui"], 120, 30, &[]);
    t.wait_for(&["Instances · 2 live"]);
    // The cursor on the shop's row chooses it (the rows go by first seen,
    // which here is the order the tabs' STATEs came in).
    let short: String = shop.chars().take(7).collect();
    let s = t.wait_for(&[&shop]);
    let lines: Vec<&str> = s.lines().collect();
    let all = lines
        .iter()
        .position(|l| l.contains("(interleaved)"))
        .unwrap();
    let row = lines.iter().position(|l| l.contains(&shop)).unwrap();
    for _ in all..row {
        t.keys(&["j"]);
    }
    t.wait_for(&[&format!("Actions · shop·{short}")]);
    // Labelled here, the label moves with the reload, in the store too.
    t.keys(&["L"]);
    t.wait_for(&[&format!("label {shop}")]);
    t.type_text("checkout");
    t.keys(&["Enter"]);
    t.wait_for(&["Actions · checkout ·"]);
    let reloaded = browser.reload("t1");
    let new = reloaded["instance"].as_str().unwrap().to_string();
    let short_new: String = new.chars().take(7).collect();
    let s = t.wait_for(&[
        &format!("shop·{short} reloaded as shop·{short_new}; following it"),
        "label checkout moved from",
        "Actions · checkout ·",
        "catalog/load/fulfilled",
    ]);
    let row = s.lines().find(|l| l.contains(&new)).unwrap_or_default();
    assert!(row.contains("checkout"), "{s}");
    let store = std::fs::read_to_string(dir.join("labels.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&store).unwrap();
    assert_eq!(v["labels"][&new], "checkout", "{store}");
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_a_server_restart_shows_the_outage_and_what_came_back() {
    use crate::util::e2e::server_on;
    let port = crate::util::free_port();
    let start = || {
        server_on(port)
            .unwrap_or_else(|| panic!("the server could not start on port {port}"))
            .0
    };
    let mut server = start();
    let url = format!("ws://127.0.0.1:{port}/socketcluster/");
    let mut apps = Apps::start_on(port, &["shop"], &["--stdin-control", "--fast-reconnect"]);
    let t = Tmux::start(&["--url", &url, "ui"], 120, 30, &[]);
    t.wait_for(&["Instances · 1 live"]);
    apps.0.send_line("dispatch shop before/1");
    t.wait_for(&["before/1"]);
    server.kill();
    t.wait_for(&["reconnecting for"]);
    // Dispatched while the server is down: they come back inside the app's
    // next STATE (↺), and the status line counts them.
    for i in 1..=3 {
        apps.0.send_line(&format!("dispatch shop during/{i}"));
    }
    let mut done = 0;
    while done < 3 {
        let v = apps
            .0
            .lines
            .recv_timeout(DEADLINE)
            .expect("watchdog: the app did not dispatch during the outage");
        if v["type"].as_str().is_some_and(|t| t.starts_with("during/")) {
            done += 1;
        }
    }
    server = start();
    let s = t.wait_for_within(
        &["connected · back at", "3 recovered, 0 lost", "↺ during/3"],
        Duration::from_secs(40),
    );
    assert!(s.contains("↺ during/1"), "{s}");
    t.keys(&["q"]);
    t.expect_restored(0);
    drop(server);
}

#[test]
fn ui_walks_a_big_state_its_tree_its_diff_and_its_end() {
    use crate::util::generated::{T0, frame, handshake};
    // Three actions, each with a state of 40,000 todos (about 2.4 MB); each
    // action marks one more todo done.
    let n = 40_000;
    let dir = TempDir::new("ui-big");
    let file = dir.join("big.jsonl");
    let mut text = handshake(T0);
    for id in 1..=3i64 {
        let todos: Vec<serde_json::Value> = (0..n)
            .map(|k| serde_json::json!({"id": k, "text": format!("todo number {k}"), "done": k < id}))
            .collect();
        let state = serde_json::json!({"todos": todos, "filter": "all"}).to_string();
        let action = serde_json::json!({
            "type": "PERFORM_ACTION",
            "action": {"type": "todos/toggled", "payload": id - 1},
            "timestamp": T0 + id as u64,
        })
        .to_string();
        let msg = serde_json::json!({
            "type": "ACTION", "id": "s0", "instanceId": "big0", "name": "big",
            "payload": state, "action": action, "nextActionId": id + 1,
        })
        .to_string();
        text.push_str(&frame(T0 + id as u64, &msg));
    }
    std::fs::write(&file, text).unwrap();
    let t = Tmux::start(&["--replay", &file, "ui"], 110, 30, &[]);
    t.wait_for_within(
        &["end of the recording", "#3 todos/toggled"],
        Duration::from_secs(60),
    );
    // The state after #3 as a tree: the array's count and size.
    t.keys(&["Tab", "Tab", "2"]);
    t.wait_for(&[&format!("▾ todos [{n}]"), "MiB"]);
    // To the tree's end (past the 40,000 todos) and back: the path under
    // the cursor is shown.
    t.keys(&["G"]);
    t.wait_for(&["path .filter", &format!("▾ {} {{3}}", n - 1)]);
    t.keys(&["g"]);
    t.wait_for(&["path ."]);
    // What #3 changed: one todo, out of 40,000.
    t.keys(&["3"]);
    let s = t.wait_for(&[".todos[2].done"]);
    assert!(!s.contains(".todos[1].done"), "{s}");
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_the_mouse_chooses_an_instance_and_the_wheel_scrolls_actions() {
    // xterm's SGR mouse reports, as a terminal sends them (1-based column;row).
    let press = |x: u16, y: u16| format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m");
    let wheel_up = |x: u16, y: u16| format!("\x1b[<64;{x};{y}M");
    let f = fixture("gap-lost.jsonl");
    let t = Tmux::start(&["--replay", &f, "ui"], 100, 30, &[]);
    t.wait_for(&["end of the recording", "Actions · all · 12 · following"]);
    // The instance row is the terminal's 4th line (border, header, "all").
    t.type_text(&press(5, 4));
    t.wait_for(&["Actions · shop·c4od325 · 12 · following"]);
    // The wheel over the actions: three lines up, and following stops.
    t.type_text(&wheel_up(10, 15));
    let s = t.wait_for(&["Actions · shop·c4od325 · 12 ─"]);
    assert!(!s.contains("following"), "{s}");
    t.keys(&["q"]);
    t.expect_restored(0);
}

#[test]
fn ui_on_an_expo_dev_server_shows_the_plugins_store() {
    use crate::util::expo::{ExpoApp, ExpoServer};
    let server = ExpoServer::start_without_bundle();
    let mut app = ExpoApp::start(&server, "expo-shop", &[]);
    let url = server.url();
    let t = Tmux::start(&["--url", &url, "ui"], 110, 30, &[]);
    t.wait_for(&["expo-shop", "live", &format!("{url} · connected")]);
    app.dispatch("cart/itemAdded", Some(&serde_json::json!({"sku": "sku-1"})));
    t.wait_for(&["cart/itemAdded"]);
    // Its state after the action, from the plugin's ACTION.
    t.keys(&["Tab", "Tab", "2"]);
    t.wait_for(&["path ."]);
    t.keys(&["q"]);
    t.expect_restored(0);
}
