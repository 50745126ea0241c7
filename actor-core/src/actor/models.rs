//! Model checks of the concurrent core with loom: every interleaving (up to loom's bounds) of
//! the mailbox and of the exit path against the set-up of monitors and links, run on the code
//! that ships (`crate::sync` swaps in loom's locks and atomics).
//!
//! ```sh
//! RUSTFLAGS="--cfg beamish_loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p actor-core --lib --release models
//! ```
//!
//! loom rather than shuttle: these are small protocols over locks and atomics, where loom's
//! exhaustive search (with its memory-model checks) proves more than random schedules would;
//! the futures involved (`recv`, `wait`) are polled by `loom::future::block_on`.

use std::sync::Arc;

use loom::future::block_on;
use loom::thread;

use super::cell::{self, Cell, Core, ProcRef};
use super::info::Info;
use super::mailbox::{self, Envelope, Home, Lend, MailboxRx, MailboxTx, Offer, Sys};
use super::overflow::Overflow;
use super::proc::CellRx;
use crate::actor::ActorHandle;
use crate::{ActorId, ExitReason};

/// A bare actor cell, no task: the exit path and the mailbox are driven by hand.
pub(super) fn actor<M: Send + 'static>(name: &'static str) -> (ProcRef, CellRx<M>) {
    let cell = Arc::new(Cell {
        core: Core::new(name),
        mailbox: MailboxTx::new(None, Overflow::Wait, false),
    });
    let rx = MailboxRx::new(cell.clone());
    (cell, rx)
}

/// How many `Down`s and trapped `Exit`s are queued in `inbox` now.
fn signals(inbox: &mut CellRx<()>) -> (usize, usize) {
    let (mut downs, mut exits) = (0, 0);
    while let Some(envelope) = inbox.try_recv() {
        if let Envelope::Sys(sys) = envelope {
            match *sys {
                Sys::Info(Info::Down { .. }) => downs += 1,
                Sys::Info(Info::Exit { .. }) => exits += 1,
                _ => {}
            }
        }
    }
    (downs, exits)
}

/// Exit path against monitors: a monitor set up before the death has its `Down` queued by the
/// time `wait()` returns; one set up while the actor dies gets exactly one `Down` (from the
/// death, or `NoProc` for a dead target), never none and never two.
#[test]
fn monitors_get_exactly_one_down_and_wait_returns_after_it() {
    loom::model(|| {
        let (target, _mailbox) = actor::<()>("target");
        let (before, mut before_inbox) = actor::<()>("before");
        let (during, mut during_inbox) = actor::<()>("during");
        cell::monitor(&before, &target);

        let dying = {
            let target = target.clone();
            thread::spawn(move || cell::exit(&target, ExitReason::Normal, None))
        };
        let racing = {
            let (target, during) = (target.clone(), during.clone());
            thread::spawn(move || {
                cell::monitor(&during, &target);
            })
        };
        assert_eq!(block_on(target.core().wait()), ExitReason::Normal);
        assert_eq!(
            signals(&mut before_inbox),
            (1, 0),
            "Down queued before wait returned"
        );
        dying.join().expect("the exit path");
        racing.join().expect("the monitor");
        assert_eq!(signals(&mut during_inbox), (1, 0));
    });
}

/// Exit path against links: a trapping actor linking to one that dies meanwhile gets exactly one
/// `Exit` (the death's, or `NoProc` for a dead target); one linked before has it queued by the
/// time `wait()` returns.
#[test]
fn trapping_links_get_exactly_one_exit_and_wait_returns_after_it() {
    loom::model(|| {
        let (target, _mailbox) = actor::<()>("target");
        let (before, mut before_inbox) = actor::<()>("before");
        let (during, mut during_inbox) = actor::<()>("during");
        before.core().set_trap_exit(true);
        during.core().set_trap_exit(true);
        cell::link(&before, &target);

        let dying = {
            let target = target.clone();
            thread::spawn(move || cell::exit(&target, ExitReason::Shutdown, None))
        };
        let racing = {
            let (target, during) = (target.clone(), during.clone());
            thread::spawn(move || cell::link(&during, &target))
        };
        assert_eq!(block_on(target.core().wait()), ExitReason::Shutdown);
        assert_eq!(
            signals(&mut before_inbox),
            (0, 1),
            "Exit queued before wait returned"
        );
        dying.join().expect("the exit path");
        racing.join().expect("the link");
        assert_eq!(signals(&mut during_inbox), (0, 1));
    });
}

/// The mailbox: two senders and a receiver that waits. Every message arrives (no lost wake-up:
/// a receiver parked forever is a loom deadlock), once, in each sender's order.
#[test]
fn the_mailbox_delivers_everything_in_per_sender_order() {
    loom::model(|| {
        let (tx, mut rx) = mailbox::channel::<u32>(None, Overflow::Wait, false);
        let tx = Arc::new(tx);
        let first = {
            let tx = tx.clone();
            thread::spawn(move || {
                assert!(matches!(tx.offer(1), Offer::Queued));
                assert!(matches!(tx.offer(2), Offer::Queued));
            })
        };
        let second = {
            let tx = tx.clone();
            thread::spawn(move || assert!(matches!(tx.offer(10), Offer::Queued)))
        };
        let mut got = Vec::new();
        while got.len() < 3 {
            if let Envelope::Msg(m) = block_on(rx.recv()) {
                got.push(m);
            }
        }
        first.join().expect("first sender");
        second.join().expect("second sender");
        let at = |m| got.iter().position(|&g| g == m);
        assert!(at(1) < at(2), "one sender's order kept: {got:?}");
        got.sort_unstable();
        assert_eq!(got, vec![1, 2, 10]);
        assert!(rx.try_recv().is_none(), "nothing twice");
    });
}

/// A full `DropOldest` mailbox of one: a sender pushing out the oldest message races the
/// receiver taking it. Each message is handled or counted as dropped, exactly once, in send
/// order; the last one is never lost; the room count stays right (no message is queued
/// beyond the bound).
#[test]
fn drop_oldest_hands_each_message_to_the_actor_or_the_drop_count_once() {
    loom::model(|| {
        let (tx, mut rx) = mailbox::channel::<u32>(Some(1), Overflow::DropOldest, false);
        let tx = Arc::new(tx);
        let sender = {
            let tx = tx.clone();
            thread::spawn(move || {
                for n in 1..=3 {
                    assert!(matches!(tx.offer(n), Offer::Queued));
                    assert!(tx.stats().len <= 1);
                }
            })
        };
        let mut got = Vec::new();
        while got.last() != Some(&3) {
            if let Envelope::Msg(m) = block_on(rx.recv()) {
                got.push(m);
            }
        }
        sender.join().expect("the sender");
        assert!(got.windows(2).all(|w| w[0] < w[1]), "order: {got:?}");
        let stats = tx.stats();
        assert_eq!(stats.received, got.len() as u64);
        assert_eq!(stats.received + stats.dropped, 3, "{got:?}");
        assert_eq!(stats.len, 0);
        assert!(rx.try_recv().is_none(), "nothing twice");
    });
}

/// The mailbox closing while a sender sends: once a send fails, every later one does; and no
/// accepted message outlives the close (its reply channel would leave a caller waiting).
#[test]
fn a_closed_mailbox_refuses_and_drops_everything() {
    loom::model(|| {
        let payload = Arc::new(());
        let (tx, rx) = mailbox::channel::<Arc<()>>(None, Overflow::Wait, false);
        let tx = Arc::new(tx);
        let sender = {
            let (tx, payload) = (tx.clone(), payload.clone());
            thread::spawn(move || {
                let first = matches!(tx.offer(payload.clone()), Offer::Queued);
                let second = matches!(tx.offer(payload), Offer::Queued);
                assert!(first || !second, "a send after a refused one succeeded");
            })
        };
        drop(rx);
        sender.join().expect("the sender");
        assert!(
            !matches!(tx.offer(payload.clone()), Offer::Queued),
            "accepted after close"
        );
        assert_eq!(
            Arc::strong_count(&payload),
            1,
            "a message outlived the close"
        );
    });
}

/// The registry against its owner's death: registering races with the exit path. Either the
/// registration is refused (the owner is already exiting) or its entry is removed by the exit
/// hooks; once the exit is observable (`wait` returned) no lookup finds the name, and a lookup
/// racing with the death finds the owner or nothing.
#[test]
fn a_dead_owners_name_is_never_served_once_its_exit_is_observable() {
    use crate::{Keys, Registry};

    loom::model(|| {
        let names = Registry::<u8>::builder(Keys::Unique)
            .partitions(1)
            .build()
            .expect("a registry");
        let (owner, _mailbox) = actor::<()>("owner");
        let registering = {
            let (names, owner) = (names.clone(), owner.clone());
            thread::spawn(move || names.register_as(owner, 1, ()).is_ok())
        };
        let dying = {
            let owner = owner.clone();
            thread::spawn(move || cell::exit(&owner, ExitReason::Normal, None))
        };
        if let Some(found) = names.whereis(&1) {
            assert_eq!(found.id(), owner.core().id, "only the owner holds the name");
        }
        block_on(owner.core().wait());
        assert!(
            names.whereis(&1).is_none(),
            "a dead owner's name was served"
        );
        registering.join().expect("the registration");
        dying.join().expect("the exit path");
        assert!(names.whereis(&1).is_none());
        assert_eq!(names.count(), 0, "an entry outlived its owner");
    });
}

/// Who the `Exit`s queued in `inbox` now come from.
fn exits_from(inbox: &mut CellRx<()>) -> Vec<ActorId> {
    let mut from = Vec::new();
    while let Some(envelope) = inbox.try_recv() {
        if let Envelope::Sys(sys) = envelope
            && let Sys::Info(Info::Exit { id, .. }) = *sys
        {
            from.push(id);
        }
    }
    from
}

/// A supervisor stopping children (unlink, then the shutdown signal, then wait) while they
/// crash on their own. A child unlinked before its crash sends the supervisor no `Exit`; one
/// crashing while it is being stopped sends at most one (a late one finds no running child and
/// restarts nothing); every wait returns the crash, and no link is left behind on either side.
#[test]
fn children_crashing_while_their_supervisor_stops_them_leave_nothing_behind() {
    loom::model(|| {
        let (supervisor, mut inbox) = actor::<()>("supervisor");
        let (unlinked, _unlinked_mailbox) = actor::<()>("unlinked");
        let (racing, _racing_mailbox) = actor::<()>("racing");
        supervisor.core().set_trap_exit(true);
        cell::link(&supervisor, &unlinked);
        cell::link(&supervisor, &racing);
        cell::unlink(&supervisor, &unlinked);
        let crash = |child: &ProcRef| {
            let child = child.clone();
            thread::spawn(move || cell::exit(&child, ExitReason::Panic("boom".into()), None))
        };
        let (first, second) = (crash(&unlinked), crash(&racing));
        cell::unlink(&supervisor, &racing);
        cell::shutdown(&racing, ExitReason::Shutdown);
        for child in [&unlinked, &racing] {
            assert_eq!(
                block_on(child.core().wait()),
                ExitReason::Panic("boom".into())
            );
        }
        first.join().expect("a crash");
        second.join().expect("a crash");
        let exits = exits_from(&mut inbox);
        let count = |child: &ProcRef| exits.iter().filter(|&&id| id == child.core().id).count();
        assert_eq!(count(&unlinked), 0, "an Exit after the unlink");
        assert!(count(&racing) <= 1, "two Exits for one death");
        for child in [&unlinked, &racing] {
            let id = child.core().id;
            assert!(
                !supervisor.core().is_linked(id),
                "a link outlived the child"
            );
            assert!(
                !child.core().is_linked(supervisor.core().id),
                "a link outlived the child"
            );
        }
    });
}

/// Linking again to an actor already linked (a supervisor links to the child its start just
/// linked) while that actor dies: the first `Exit` is the death's own, with its reason, told
/// after the reason is recorded — never an early `NoProc`, which would have the supervisor
/// restart a child still running its exit path.
#[test]
fn linking_again_to_a_dying_actor_adds_no_early_noproc() {
    loom::model(|| {
        let (target, _mailbox) = actor::<()>("target");
        let (supervisor, mut inbox) = actor::<()>("supervisor");
        supervisor.core().set_trap_exit(true);
        cell::link(&supervisor, &target);
        let dying = {
            let target = target.clone();
            thread::spawn(move || cell::exit(&target, ExitReason::Shutdown, None))
        };
        cell::link(&supervisor, &target);
        dying.join().expect("the exit path");
        let mut exits = Vec::new();
        while let Some(envelope) = inbox.try_recv() {
            if let Envelope::Sys(sys) = envelope
                && let Sys::Info(Info::Exit { reason, .. }) = *sys
            {
                exits.push(reason);
            }
        }
        // A link made once the exit path is done is a link to a dead actor: `NoProc`, after.
        assert_eq!(exits.first(), Some(&ExitReason::Shutdown), "{exits:?}");
        assert!(
            exits[1..].iter().all(|r| *r == ExitReason::NoProc),
            "{exits:?}"
        );
    });
}

/// The state of the parking models: the messages handled, by whichever side handled them.
pub(super) type Handled = Vec<u32>;

/// An inline call of `m` as `ActorRef::call` makes it: borrow the parked state, handle, give it
/// back, or queue the call if the actor was not idle. `false` if it was queued (nothing was
/// borrowed).
pub(super) fn handle_inline(tx: &MailboxTx<u32>, m: u32) -> bool {
    let (lent, m) = match tx.lend_or_queue(m) {
        Lend::Lent(lent, m) => (lent, m),
        Lend::Queued => return false,
        Lend::Back(_) => panic!("an open, unbounded mailbox queues what it does not lend"),
    };
    let mut state = lent.downcast::<Handled>().expect("the actor's type");
    state.push(m);
    tx.give_back(state, true, None);
    true
}

/// An inline call against the actor's loop and another sender: the call (100) is handled once,
/// after the same sender's cast (1) and before its next (200), whether the caller borrowed the
/// parked state or queued the call; the actor never takes a message while its state is lent,
/// and is never left waiting once the state is back (a lost wake-up is a loom deadlock).
#[test]
fn an_inline_call_is_handled_once_in_its_senders_order() {
    loom::model(|| {
        let (tx, mut rx) = mailbox::channel::<u32>(None, Overflow::Wait, false);
        tx.park_from_now();
        let tx = Arc::new(tx);
        let caller = {
            let tx = tx.clone();
            thread::spawn(move || {
                assert!(matches!(tx.offer(1), Offer::Queued));
                handle_inline(&tx, 100);
                assert!(matches!(tx.offer(200), Offer::Queued));
            })
        };
        let other = {
            let tx = tx.clone();
            thread::spawn(move || assert!(matches!(tx.offer(50), Offer::Queued)))
        };
        let mut state = Home::Here(Handled::new());
        let mut seen = (false, false);
        while seen != (true, true) {
            if let Envelope::Msg(m) = block_on(rx.recv_parking(&mut state)) {
                let home = state.get().expect("home once a message is taken");
                home.push(m);
                seen.0 |= m == 200;
                seen.1 |= m == 50;
            }
        }
        caller.join().expect("the caller");
        other.join().expect("the other sender");
        let handled = state.get().expect("home").clone();
        let at = |m| handled.iter().position(|&h| h == m);
        assert!(at(1) < at(100) && at(100) < at(200), "order: {handled:?}");
        let mut sorted = handled.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![1, 50, 100, 200], "each once: {handled:?}");
        assert_eq!(tx.stats().received, 4);
    });
}

/// A stopping actor takes its parked state back while a caller may be borrowing it: it waits
/// for the loan to end, gets the state with the caller's change, and no loan starts after.
#[test]
fn reclaiming_the_state_waits_for_a_loan_and_ends_all_loans() {
    loom::model(|| {
        let (tx, mut rx) = mailbox::channel::<u32>(None, Overflow::Wait, false);
        tx.park_from_now();
        let tx = Arc::new(tx);
        let mut state = Home::Here(Handled::new());
        {
            // Park it, as the actor's loop does on an empty mailbox.
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let waiting = std::pin::pin!(rx.recv_parking(&mut state));
            assert!(std::future::Future::poll(waiting, &mut cx).is_pending());
        }
        assert!(state.is_away(), "parked");
        let caller = {
            let tx = tx.clone();
            thread::spawn(move || handle_inline(&tx, 100))
        };
        let reclaimed = block_on(rx.reclaim()).expect("the parked state");
        let reclaimed = reclaimed.downcast::<Handled>().expect("the actor's type");
        assert!(!handle_inline(&tx, 7), "no loan once reclaimed");
        let lent = caller.join().expect("the caller");
        assert_eq!(*reclaimed == vec![100], lent, "the loan's change is kept");
    });
}
