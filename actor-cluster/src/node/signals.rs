//! Exit signals already applied here, so that one sent again (its acknowledgement was late) is
//! applied once.

/// Exit signals already applied: `(bm-from, bm-seq)`, oldest first.
#[derive(Default)]
pub(super) struct RecentSignals {
    order: std::collections::VecDeque<(String, u64)>,
    seen: std::collections::HashSet<(String, u64)>,
}

impl RecentSignals {
    /// Whether signal `seq` from `from` is new (and now remembered; the oldest of more than
    /// `keep` is forgotten).
    pub(super) fn first(&mut self, from: &str, seq: u64, keep: usize) -> bool {
        let key = (from.to_owned(), seq);
        if !self.seen.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > keep
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exit_signal_sent_again_is_applied_once() {
        let mut recent = RecentSignals::default();
        assert!(recent.first("a.1.7", 42, 2));
        assert!(!recent.first("a.1.7", 42, 2), "the same signal again");
        assert!(recent.first("a.1.8", 42, 2), "another sender");
        assert!(recent.first("a.1.7", 43, 2), "another number");
        // At most two remembered: the first is forgotten, the others are not.
        assert_eq!(recent.order.len(), 2);
        assert!(!recent.first("a.1.7", 43, 2));
        assert!(recent.first("a.1.7", 42, 2));
    }
}
