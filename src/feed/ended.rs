//! Whether the feed has handed over everything it will (`rdx ui`, which
//! waits with [`Feed::next_or`] and so never sees [`crate::feed::Item::End`]:
//! after a recording's end, `next_or` waits on the other channel only).

use crate::feed::Feed;

impl Feed {
    /// The input ended (a recording's end, or the followed instance's) and
    /// every item is handed over.
    pub(crate) fn is_done(&self) -> bool {
        self.ended && self.ready.is_empty()
    }
}
