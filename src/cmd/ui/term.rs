//! The terminal of `rdx ui`: raw mode and the alternate screen entered once
//! and always left — on `q`, Ctrl-C, SIGTERM, SIGHUP, SIGINT, a lost link
//! (the error is said after the screen is back) and a panic (a panic hook
//! restores the screen before the message is printed). The keys are read on
//! their own thread and sent to the main thread with the signals, over one
//! channel.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::Sender;
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::keys::Key;
use super::state::Mouse;

/// What the input thread and the signal thread send the main thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    Key(Key),
    /// The terminal changed size (the next draw sees it).
    Resize,
    Mouse(Mouse),
    /// A signal that ends rdx (SIGTERM, SIGHUP, SIGINT, SIGQUIT).
    Signal(i32),
}

/// Is the screen ours right now (raw mode, alternate screen)?
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The terminal, entered; left when dropped.
pub(crate) struct Screen {
    pub(crate) term: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    /// Raw mode, the alternate screen, the cursor hidden, and a panic hook
    /// that gives the terminal back first.
    pub(crate) fn enter() -> io::Result<Screen> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        execute!(
            out,
            terminal::EnterAlternateScreen,
            cursor::Hide,
            event::EnableMouseCapture
        )?;
        let term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(Screen { term })
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Leave the alternate screen, show the cursor, end raw mode (once; errors
/// are ignored: after SIGHUP there may be no terminal to write to).
pub(crate) fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(
            out,
            event::DisableMouseCapture,
            terminal::LeaveAlternateScreen,
            cursor::Show
        );
        let _ = terminal::disable_raw_mode();
        let _ = out.flush();
    }
}

/// Read keys (and resizes) on a thread of their own, for as long as the
/// main thread listens.
pub(crate) fn spawn_input(tx: Sender<Input>) {
    std::thread::spawn(move || {
        loop {
            let input = match event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match key_of(k) {
                    Some(k) => Input::Key(k),
                    None => continue,
                },
                Ok(Event::Resize(..)) => Input::Resize,
                Ok(Event::Mouse(m)) => match mouse_of(m) {
                    Some(m) => Input::Mouse(m),
                    None => continue,
                },
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(input).is_err() {
                return;
            }
        }
    });
}

/// Send the signals that end rdx to the main thread, which restores the
/// terminal and then ends as the signal would have.
pub(crate) fn spawn_signals(tx: Sender<Input>) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT])?;
    std::thread::spawn(move || {
        for sig in signals.forever() {
            if tx.send(Input::Signal(sig)).is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// End the process as `sig` would have (after the terminal is restored).
pub(crate) fn die_of(sig: i32) -> ! {
    restore();
    let _ = signal_hook::low_level::emulate_default_handler(sig);
    std::process::exit(128 + sig)
}

/// A crossterm mouse event as the state's [`Mouse`] (the wheel and a
/// left click; the rest is not used).
fn mouse_of(m: event::MouseEvent) -> Option<Mouse> {
    let (col, row) = (m.column, m.row);
    Some(match m.kind {
        event::MouseEventKind::ScrollUp => Mouse::ScrollUp { col, row },
        event::MouseEventKind::ScrollDown => Mouse::ScrollDown { col, row },
        event::MouseEventKind::Down(event::MouseButton::Left) => Mouse::Click { col, row },
        _ => return None,
    })
}

/// A crossterm key as rdx's [`Key`].
fn key_of(k: KeyEvent) -> Option<Key> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    Some(match k.code {
        KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Tab if k.modifiers.contains(KeyModifiers::SHIFT) => Key::BackTab,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossterm_keys_become_rdx_keys() {
        let k = |code, m| key_of(KeyEvent::new(code, m));
        assert_eq!(
            k(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Key::Ctrl('c'))
        );
        assert_eq!(
            k(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(Key::Char('G'))
        );
        assert_eq!(k(KeyCode::Tab, KeyModifiers::SHIFT), Some(Key::BackTab));
        assert_eq!(k(KeyCode::F(1), KeyModifiers::NONE), None);
    }
}
