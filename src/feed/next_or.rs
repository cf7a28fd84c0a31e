//! The feed for a server that answers questions while it listens (`rdx
//! mcp`): waiting on the source or on another channel at once, and
//! resolving a selection against the registry as it is now, with the CLI's
//! rules (and why it picks none or several, for the front end to word).

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Select, TryRecvError};

use crate::error::{Result, SelectionError};
use crate::feed::{Feed, Item};
use crate::model::selection::Selection;
use crate::time::now_ms;

/// What woke [`Feed::next_or`].
#[derive(Debug)]
// An item is moved once per wake, as `Feed::next` returns it; boxing it
// would cost an allocation per action instead.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Woke<T> {
    /// An item from the feed (also [`Item::End`] once, and [`Item::Timeout`]).
    Item(Item),
    /// A message on the other channel.
    Other(T),
    /// The other channel's senders are all gone.
    OtherClosed,
}

impl Feed {
    /// The next item or the next message on `other`, whichever comes first,
    /// waiting until `until` at most. The feed's timers run as in
    /// [`Feed::next`]; after the end of a recording only `other` is waited on.
    pub(crate) fn next_or<T>(
        &mut self,
        other: &Receiver<T>,
        until: Option<Instant>,
    ) -> Result<Woke<T>> {
        loop {
            match other.try_recv() {
                Ok(m) => return Ok(Woke::Other(m)),
                Err(TryRecvError::Disconnected) => return Ok(Woke::OtherClosed),
                Err(TryRecvError::Empty) => {}
            }
            if let Some(item) = self.ready.pop_front() {
                return Ok(Woke::Item(item));
            }
            if let Some(e) = self.failed.take() {
                return Err(e);
            }
            if until.is_some_and(|u| Instant::now() >= u) {
                return Ok(Woke::Item(Item::Timeout));
            }
            if self.ended {
                let got = match until {
                    Some(u) => other.recv_deadline(u).map_err(|e| e.is_disconnected()),
                    None => other.recv().map_err(|_| true),
                };
                return Ok(match got {
                    Ok(m) => Woke::Other(m),
                    Err(true) => Woke::OtherClosed,
                    Err(false) => Woke::Item(Item::Timeout),
                });
            }
            let (rx, queued) = self.src.waitable();
            if queued {
                self.step(Some(Instant::now()))?;
                continue;
            }
            let mut wake = until;
            if !self.replay
                && let Some(due) = self.next_timer()
            {
                let at =
                    Instant::now().checked_add(Duration::from_millis(due.saturating_sub(now_ms())));
                if let Some(at) = at {
                    wake = Some(wake.map_or(at, |w| w.min(at)));
                }
            }
            let ready = {
                let mut sel = Select::new();
                let src_op = sel.recv(rx);
                sel.recv(other);
                let ready = match wake {
                    Some(w) => sel.ready_deadline(w).ok(),
                    None => Some(sel.ready()),
                };
                ready.map(|i| i == src_op)
            };
            match ready {
                // The other channel: taken at the top of the loop.
                Some(false) => {}
                // An event (or timers due): take it in.
                _ => {
                    self.step(Some(Instant::now()))?;
                }
            }
        }
    }

    /// The one instance `sel` picks in the registry now, or why not, with
    /// the candidates (`command` names who asks, as in `rdx state`).
    pub(crate) fn resolve_one(
        &self,
        sel: &Selection,
        command: &'static str,
    ) -> Result<String, Box<SelectionError>> {
        sel.one(sel.resolve(&self.registry), &self.registry, command)
    }
}
