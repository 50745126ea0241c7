//! Generated items take the visibility of the actor struct: `pub(crate)` next to a `pub(crate)`
//! struct in a private module (a `pub` handle there would trip `unreachable_pub`), private next
//! to a private struct, `pub(super)` next to a `pub(super)` enum, the struct's own visibility for
//! an actor declared inside a function.
//!
//! Lints do not fire inside macro output, so the proof is name resolution: `decoys` declares the
//! generated names, and the glob imports below would make them ambiguous (an error) if any
//! generated item were more visible than its struct.
#![deny(warnings)]

use beamish::prelude::*;
use decoys::*;
use shop::back_office::*;
use shop::*;

/// Items named like the generated items that must stay out of reach of the crate root.
mod decoys {
    pub(crate) struct LedgerHandle;
    pub(crate) struct LedgerMessage;
    pub(crate) struct SafeHandle;
    pub(crate) struct SafeNamed;
}

mod shop {
    use beamish::prelude::*;

    /// A till; the crate may use it, other crates may not.
    pub(crate) struct Till {
        total: u32,
    }

    #[actor]
    impl Till {
        #[init]
        async fn init(total: u32) -> Self {
            Till { total }
        }

        #[call]
        async fn ring(&mut self, amount: u32) -> u32 {
            self.total += amount;
            self.total
        }
    }

    /// An actor only this module can name; its handle is private too.
    struct Ledger {
        lines: Vec<u32>,
    }

    #[actor]
    impl Ledger {
        #[init]
        async fn init() -> Self {
            Ledger { lines: Vec::new() }
        }

        #[call]
        async fn record(&mut self, line: u32) -> usize {
            self.lines.push(line);
            self.lines.len()
        }
    }

    /// Uses the private actor from inside its module.
    pub(crate) async fn ledger_lines(lines: &[u32]) -> usize {
        let ledger: LedgerHandle = Ledger::start(()).await.unwrap();
        let mut n = 0;
        for &line in lines {
            n = ledger.record(line).await.unwrap();
        }
        n
    }

    pub(crate) mod back_office {
        use beamish::prelude::*;

        /// Something the crate root may use from here.
        pub(crate) const OPENING_HOURS: u8 = 8;

        /// Visible in `shop` only.
        pub(super) enum Safe {
            Locked(u32),
        }

        #[actor]
        impl Safe {
            #[init]
            async fn init(amount: u32) -> Self {
                Safe::Locked(amount)
            }

            #[call]
            async fn amount(&self) -> u32 {
                let Safe::Locked(amount) = self;
                *amount
            }
        }
    }

    /// `shop` names the `pub(super)` handle of `back_office`.
    pub(crate) async fn safe_amount() -> u32 {
        let safe: back_office::SafeHandle = back_office::Safe::start(7).await.unwrap();
        safe.amount().await.unwrap()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Names in type position: that is where the generated items live.
    let _decoys: Option<(LedgerHandle, LedgerMessage, SafeHandle, SafeNamed)> = None;
    assert_eq!(OPENING_HOURS, 8);
    let till: TillHandle = Till::start(1).await.unwrap();
    assert_eq!(till.ring(2).await.unwrap(), 3);
    assert_eq!(shop::ledger_lines(&[4, 5]).await, 2);
    assert_eq!(shop::safe_amount().await, 7);

    struct Local;

    #[actor]
    impl Local {
        #[init]
        async fn init() -> Self {
            Local
        }

        #[call]
        async fn ping(&self) -> u8 {
            1
        }
    }

    let local: LocalHandle = Local::start(()).await.unwrap();
    assert_eq!(local.ping().await.unwrap(), 1);
}
