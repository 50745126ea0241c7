//! Generated items are `pub(crate)` unless `vis = …` says otherwise, whatever the struct's own
//! visibility: a `pub` struct in a private module, a private struct and an actor inside a function
//! all get handles the whole crate may name, and no error (no E0446 from the `Actor` impl naming
//! the message enum, no `vis = pub` hint: these structs are not reachable from other crates).
//! `vis = pub` exports everything with an exported struct (the `pub use` below compiles only for
//! `pub` items); `vis = pub(crate)` keeps an exported struct's items in the crate, without a hint.
#![deny(warnings)]

use beamish::prelude::*;

pub use api::{Exported, ExportedHandle, ExportedMessage, ExportedNamed};

mod shop {
    use beamish::prelude::*;

    /// `pub`, in a private module: not part of the crate's API.
    pub struct Till {
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

    /// Private to `shop`; its handle is still `pub(crate)`.
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

    pub(crate) async fn ledger() -> LedgerHandle {
        Ledger::start(()).await.unwrap()
    }
}

mod api {
    use beamish::prelude::*;

    /// Exported from the crate root, with everything `#[actor]` generates for it.
    #[derive(Debug)]
    pub struct Exported;

    #[actor(vis = pub)]
    impl Exported {
        #[init]
        async fn init() -> Self {
            Exported
        }

        /// Answers.
        #[call]
        async fn answer(&self) -> u8 {
            42
        }
    }
}

/// Exported, with generated items kept in the crate: said explicitly, so no hint.
pub struct Internal;

#[actor(vis = pub(crate))]
impl Internal {
    #[init]
    async fn init() -> Self {
        Internal
    }

    #[cast]
    async fn poke(&mut self) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let till: shop::TillHandle = shop::Till::start(1).await.unwrap();
    assert_eq!(till.ring(2).await.unwrap(), 3);
    let _: Option<(shop::TillMessage, shop::TillNamed)> = None;

    let ledger: shop::LedgerHandle = shop::ledger().await;
    assert_eq!(ledger.record(4).await.unwrap(), 1);

    let exported: ExportedHandle = Exported::start(()).await.unwrap();
    assert_eq!(exported.answer().await.unwrap(), 42);
    let _: Option<(ExportedMessage, ExportedNamed)> = None;

    let internal: InternalHandle = Internal::start(()).await.unwrap();
    internal.poke().unwrap();
    // The message enum, named through its `pub(crate)` alias: built, matched and printed.
    let message = InternalMessage::Poke();
    assert!(matches!(message, InternalMessage::Poke()));
    assert_eq!(format!("{message:?}"), "Poke");

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
    let _: Option<LocalMessage> = None;
}
