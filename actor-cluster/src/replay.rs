//! Where the replay of a bucket (a watch with history) ends.
//!
//! A watch marks the entry after which nothing is pending for it with `delta == 0`, and a cache
//! takes that entry as the end of the replay: it puts the replayed view in place there. But the
//! server's pending count is not monotonic while other nodes write to the bucket: an entry can
//! report 0 with entries that were in the bucket before the watch began still to come
//! (nats-io/nats-server#4824, nats-io/nats.py#995). Taken for the end, it put part of a replay in
//! place: a supervisor's view of its children lost some of them for a moment.
//!
//! So the end is bounded below as well, by the bucket's last sequence read before the watch
//! began ([`ReplayEnd::after`]). A watch with history sends the entries in sequence order, so
//! once it has sent one at or past that sequence, it has sent every entry the bucket held then
//! (except those written again since, which come later, at their new sequence). The entry at
//! that sequence itself always comes, or one written after it: in a bucket that keeps one
//! value per key, a message goes only when a later one replaces it (a put, a delete or a
//! purge); in the membership bucket, whose keys expire, the expiry of the last one is a marker
//! written after it, and the live nodes' heartbeats keep writing.

use async_nats::jetstream::kv;

/// The end of a replay: the first entry with nothing pending after it, at or past the bucket's
/// last sequence before the watch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReplayEnd {
    /// The bucket's last sequence, read before the watch began.
    last: u64,
}

impl ReplayEnd {
    /// The end of a replay of the bucket whose `status` was read before the watch began.
    pub(crate) fn after(status: &kv::bucket::Status) -> Self {
        ReplayEnd {
            last: status.info.state.last_sequence,
        }
    }

    /// Whether `entry` ends the replay.
    pub(crate) fn is(self, entry: &kv::Entry) -> bool {
        self.at(entry.revision, entry.delta)
    }

    fn at(self, revision: u64, delta: u64) -> bool {
        delta == 0 && revision >= self.last
    }
}

#[cfg(test)]
mod tests {
    use super::ReplayEnd;

    #[test]
    fn nothing_pending_ends_a_replay_only_once_the_bucket_as_it_was_was_sent() {
        let end = ReplayEnd { last: 10 };
        // The server's count reached 0 early: entries 8 to 10 were in the bucket before the
        // watch, and are still to come.
        assert!(!end.at(7, 0));
        assert!(!end.at(10, 3), "more pending");
        assert!(end.at(10, 0));
        // Entry 10 was written again meanwhile: its new value, later, ends the replay.
        assert!(end.at(12, 0));
        assert!(!end.at(12, 1));
    }

    #[test]
    fn an_empty_bucket_ends_its_replay_at_the_first_entry_with_nothing_pending() {
        let end = ReplayEnd { last: 0 };
        assert!(end.at(1, 0));
        assert!(!end.at(1, 2));
    }
}
