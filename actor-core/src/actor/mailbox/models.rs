//! Model checks of the mailbox's held stop (see `Queue::stop`), with loom: part of the model
//! checks in `actor::models`, selected with them by the name `models`.

use std::sync::Arc;

use loom::future::block_on;
use loom::thread;

use super::{Envelope, Home, Offer, Overflow, Sys, channel};
use crate::ExitReason;
use crate::actor::models::{Handled, handle_inline};

/// A stop sent to an idle actor whose state is parked is held without a buffer: a call its
/// sender makes next is queued behind it (never run inline on the parked state), a concurrent
/// sender's cast lands before or after it, and the actor takes each envelope once, the stop
/// before the call.
#[test]
fn a_held_stop_keeps_its_place_ahead_of_a_later_call() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(None, Overflow::Wait, true);
        let stopper = {
            let tx = tx.clone();
            thread::spawn(move || {
                assert!(tx.send_sys(Sys::Stop(ExitReason::Normal)));
                assert!(!handle_inline(&tx, 100), "a call behind a stop is queued");
            })
        };
        let other = {
            let tx = Arc::clone(&tx);
            thread::spawn(move || assert!(matches!(tx.offer(50), Offer::Queued)))
        };
        // The actor's loop, up to the stop (where a real actor ends it: its state stays home).
        let mut state = Home::Here(Handled::new());
        let mut taken = Vec::new();
        loop {
            match block_on(rx.recv_parking(&mut state)) {
                Envelope::Msg(m) => taken.push(Some(m)),
                Envelope::Stop(_) => break taken.push(None),
                Envelope::Sys(_) => panic!("only a plain stop was sent"),
            }
        }
        stopper.join().expect("the stopper");
        other.join().expect("the other sender");
        while let Some(envelope) = rx.try_recv() {
            match envelope {
                Envelope::Msg(m) => taken.push(Some(m)),
                Envelope::Stop(_) | Envelope::Sys(_) => panic!("one plain stop was sent"),
            }
        }
        let at = |e| taken.iter().position(|t| *t == e);
        assert!(at(None) < at(Some(100)), "order: {taken:?}");
        let mut sorted = taken.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [None, Some(50), Some(100)], "each once: {taken:?}");
    });
}
