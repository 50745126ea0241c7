//! An actor's exit reason, once recorded: a reason that carries nothing (`Normal`, `Shutdown`,
//! `Killed`…) is one byte, and only the others are kept in a write-once cell. Most actors exit
//! with `Normal` or `Shutdown`, and their exit path then skips the cell's initialisation (a call
//! to `Once`'s slow path, about a hundred instructions per actor).

use std::sync::OnceLock;
use std::sync::atomic::Ordering;

use crate::ExitReason;
use crate::sync::AtomicU8;

/// The reasons held in one byte, at index `code - 1`.
static PLAIN: [ExitReason; 7] = [
    ExitReason::Normal,
    ExitReason::Shutdown,
    ExitReason::Killed,
    ExitReason::NoProc,
    ExitReason::MailboxOverflow,
    ExitReason::NoConnection,
    ExitReason::Fenced,
];

/// `code`: the actor is alive.
const ALIVE: u8 = 0;
/// `code`: the reason is in `other`.
const OTHER: u8 = u8::MAX;

/// Where an actor's exit reason is recorded, once.
pub(super) struct Exited {
    code: AtomicU8,
    other: OnceLock<ExitReason>,
}

impl Exited {
    pub(super) fn new() -> Self {
        Exited {
            code: AtomicU8::new(ALIVE),
            other: OnceLock::new(),
        }
    }

    /// Records the exit reason (the exit path does, once): from now on the actor reads dead.
    pub(super) fn record(&self, reason: ExitReason) -> &ExitReason {
        match plain(&reason) {
            Some(i) => {
                // `i` indexes `PLAIN`, which has fewer than `OTHER` entries.
                self.code.store(i as u8 + 1, Ordering::Release);
                &PLAIN[i]
            }
            None => {
                let reason = self.other.get_or_init(|| reason);
                self.code.store(OTHER, Ordering::Release);
                reason
            }
        }
    }

    /// The exit reason, once recorded.
    pub(super) fn get(&self) -> Option<&ExitReason> {
        match self.code.load(Ordering::Acquire) {
            ALIVE => None,
            OTHER => self.other.get(),
            code => PLAIN.get(usize::from(code) - 1),
        }
    }

    pub(super) fn is_recorded(&self) -> bool {
        self.code.load(Ordering::Acquire) != ALIVE
    }
}

/// The index of `reason` in [`PLAIN`], if it is one of those.
fn plain(reason: &ExitReason) -> Option<usize> {
    Some(match reason {
        ExitReason::Normal => 0,
        ExitReason::Shutdown => 1,
        ExitReason::Killed => 2,
        ExitReason::NoProc => 3,
        ExitReason::MailboxOverflow => 4,
        ExitReason::NoConnection => 5,
        ExitReason::Fenced => 6,
        ExitReason::ShutdownWith(_)
        | ExitReason::Panic(_)
        | ExitReason::Error(_)
        | ExitReason::NameConflict(_) => return None,
    })
}

#[cfg(all(test, not(beamish_loom)))]
mod tests {
    use super::*;

    /// Every reason reads back as recorded, plain or not, and the actor reads dead only then.
    #[test]
    fn every_reason_reads_back_as_recorded() {
        let mut reasons = PLAIN.to_vec();
        reasons.extend([
            ExitReason::ShutdownWith("why".into()),
            ExitReason::Panic("boom".into()),
            ExitReason::Error("bad".into()),
            ExitReason::NameConflict("n".into()),
        ]);
        for reason in reasons {
            let exited = Exited::new();
            assert!(!exited.is_recorded());
            assert_eq!(exited.get(), None);
            assert_eq!(exited.record(reason.clone()), &reason);
            assert!(exited.is_recorded());
            assert_eq!(exited.get(), Some(&reason));
        }
    }
}
