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

/// A handler run on a lent state that leaves a message to handle first (an exit signal taken
/// inline by a dynamic supervisor, whose restart must end in its own task): against the actor's
/// loop and another sender, the actor handles that message (1000) right after the handler (999),
/// before anything sent meanwhile, never takes a message while its state is lent, and is woken
/// for the message (a lost wake-up is a loom deadlock). An actor that was not idle lends nothing.
#[test]
fn a_message_left_by_a_handler_on_a_lent_state_is_handled_next() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(None, Overflow::Wait, false);
        tx.park_from_now();
        let exiting = {
            let tx = Arc::clone(&tx);
            thread::spawn(move || {
                let Some(lent) = tx.lend() else {
                    return false;
                };
                let mut state = lent.downcast::<Handled>().expect("the actor's type");
                state.push(999);
                tx.give_back_before(state, 1000);
                true
            })
        };
        let other = {
            let tx = Arc::clone(&tx);
            thread::spawn(move || assert!(matches!(tx.offer(50), Offer::Queued)))
        };
        let mut state = Home::Here(Handled::new());
        let mut take = |state: &mut Home<Handled>| match block_on(rx.recv_parking(state)) {
            Envelope::Msg(m) => {
                state.get().expect("home once a message is taken").push(m);
                m
            }
            Envelope::Sys(_) | Envelope::Stop(_) => panic!("only messages were sent"),
        };
        while take(&mut state) != 50 {}
        other.join().expect("the other sender");
        let lent = exiting.join().expect("the exiting side");
        let handled = state.get().expect("home").clone();
        if !lent {
            assert_eq!(handled, [50]);
            return;
        }
        let handled = if handled.contains(&1000) {
            handled
        } else {
            take(&mut state);
            state.get().expect("home").clone()
        };
        let at = |m| handled.iter().position(|&h| h == m).expect("handled");
        assert_eq!(at(999) + 1, at(1000), "handled next: {handled:?}");
        assert_eq!(handled.len(), 3, "each once: {handled:?}");
        // The handler's own message was a system message: only 50 and 1000 count.
        assert_eq!(tx.stats().received, 2);
    });
}

/// The actor waits with its state parked when a handler borrows it and leaves a message to
/// handle first: giving the state back wakes the actor for that message (a lost wake-up is a
/// loom deadlock).
#[test]
fn a_message_left_by_a_handler_on_a_lent_state_wakes_the_actor() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(None, Overflow::Wait, false);
        tx.park_from_now();
        let mut state = Home::Here(Handled::new());
        {
            // Park it, as the actor's loop does on an empty mailbox.
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let waiting = std::pin::pin!(rx.recv_parking(&mut state));
            assert!(std::future::Future::poll(waiting, &mut cx).is_pending());
        }
        let exiting = thread::spawn(move || {
            let lent = tx.lend().expect("an idle actor's state");
            let mut state = lent.downcast::<Handled>().expect("the actor's type");
            state.push(999);
            tx.give_back_before(state, 1000);
        });
        match block_on(rx.recv_parking(&mut state)) {
            Envelope::Msg(m) => state.get().expect("home").push(m),
            Envelope::Sys(_) | Envelope::Stop(_) => panic!("only a message was left"),
        }
        exiting.join().expect("the exiting side");
        assert_eq!(state.get().expect("home"), &[999, 1000]);
    });
}
