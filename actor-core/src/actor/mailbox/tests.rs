//! The mailbox at work under real actors: order, crashes, stops, envelope size.

use std::time::Duration;

use crate::{
    Actor, ActorHandle, ActorRef, CallError, Context, ExitReason, InitError, ReplyTo, SendError,
};

struct Probe(Vec<u32>);

enum Msg {
    Push(u32),
    Log(ReplyTo<Vec<u32>>),
    /// Holds the actor until the sender fires (or is dropped).
    Wait(tokio::sync::oneshot::Receiver<()>),
    Panic,
}

impl Actor for Probe {
    type Args = ();
    type Message = Msg;

    async fn init((): (), _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        Ok(Probe(Vec::new()))
    }

    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        match msg {
            Msg::Push(n) => self.0.push(n),
            Msg::Log(reply) => {
                reply.send(self.0.clone());
            }
            Msg::Wait(gate) => {
                let _ = gate.await;
            }
            Msg::Panic => panic!("probe"),
        }
    }
}

/// The envelope of a small cast is the message plus a tag: system messages are boxed.
#[test]
fn a_small_casts_envelope_is_two_words() {
    use super::Envelope;
    assert_eq!(std::mem::size_of::<Envelope<u64>>(), 16);
    assert_eq!(std::mem::size_of::<Envelope<Msg>>(), 16);
}

/// A stop whose reason carries nothing (`Normal`, `Shutdown`) is queued without a box, in its
/// place among the messages, and taken with its own reason; any other reason stays boxed.
#[test]
fn a_plain_stop_is_queued_unboxed_in_order_with_its_reason() {
    use super::{Overflow, PlainStop, Sys, channel};
    let (tx, mut rx) = channel::<u32>(None, Overflow::Wait, false);
    assert!(tx.offer_unbounded(1).is_ok());
    assert!(tx.send_sys(Sys::Stop(ExitReason::Normal)));
    assert!(tx.send_sys(Sys::Stop(ExitReason::Shutdown)));
    assert!(tx.send_sys(Sys::Stop(ExitReason::ShutdownWith("why".into()))));
    assert!(tx.offer_unbounded(2).is_ok());
    assert_eq!(
        drain(&mut rx),
        [
            "msg 1".to_string(),
            format!("plain {:?}", ExitReason::Normal),
            format!("plain {:?}", ExitReason::Shutdown),
            format!("boxed {:?}", ExitReason::ShutdownWith("why".into())),
            "msg 2".to_string(),
        ]
    );
    assert_eq!(ExitReason::from(PlainStop::Normal), ExitReason::Normal);
}

#[tokio::test]
async fn messages_arrive_in_send_order() {
    let probe = ActorRef::<Probe>::start(()).await.unwrap();
    for n in 0..1000 {
        probe.cast(Msg::Push(n)).unwrap();
    }
    let log = probe.call(Msg::Log).await.unwrap();
    assert_eq!(log, (0..1000).collect::<Vec<_>>());
}

/// Lets every other task on this current-thread runtime run until it waits.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn calls_queued_behind_a_crash_fail_with_the_exit_reason() {
    // A long timeout: the calls must fail because the actor died, not because time passed.
    let probe = ActorRef::<Probe>::start(())
        .await
        .unwrap()
        .with_timeout(Duration::from_secs(3600));
    let (gate, held) = tokio::sync::oneshot::channel();
    probe.cast(Msg::Wait(held)).unwrap();
    probe.cast(Msg::Panic).unwrap();
    let queued: Vec<_> = (0..3)
        .map(|_| {
            let probe = probe.clone();
            tokio::spawn(async move { probe.call(Msg::Log).await })
        })
        .collect();
    settle().await;
    gate.send(()).unwrap();
    for call in queued {
        assert_eq!(
            call.await.unwrap(),
            Err(CallError::Exited(ExitReason::Panic("probe".into())))
        );
    }
    assert_eq!(probe.cast(Msg::Push(1)), Err(SendError::NoProc));
    assert_eq!(probe.call(Msg::Log).await, Err(CallError::NoProc));
}

#[tokio::test]
async fn a_stop_is_handled_after_the_messages_sent_before_it() {
    let probe = ActorRef::<Probe>::start(()).await.unwrap();
    let (gate, held) = tokio::sync::oneshot::channel();
    probe.cast(Msg::Wait(held)).unwrap();
    probe.cast(Msg::Push(1)).unwrap();
    let before = tokio::spawn({
        let probe = probe.clone();
        async move { probe.call(Msg::Log).await }
    });
    settle().await;
    let stop = tokio::spawn({
        let probe = probe.clone();
        async move { probe.stop(ExitReason::Normal).await }
    });
    settle().await;
    gate.send(()).unwrap();
    assert_eq!(before.await.unwrap(), Ok(vec![1]));
    assert_eq!(stop.await.unwrap(), Ok(()));
    assert_eq!(probe.cast(Msg::Push(2)), Err(SendError::NoProc));
}

/// What a mailbox of `u32`s hands out, in order, as text (a stop's reason, a crash's message).
fn drain(rx: &mut super::MailboxRx<u32>) -> Vec<String> {
    use super::{Envelope, Sys};
    let mut taken = Vec::new();
    while let Some(envelope) = rx.try_recv() {
        taken.push(match envelope {
            Envelope::Msg(n) => format!("msg {n}"),
            Envelope::Stop(stop) => format!("plain {:?}", ExitReason::from(stop)),
            Envelope::Sys(sys) => match *sys {
                Sys::Stop(reason) => format!("boxed {reason:?}"),
                Sys::Crashed(panic) => format!("crashed {panic}"),
                _ => "other".to_string(),
            },
        });
    }
    taken
}

/// A plain stop sent to an empty mailbox (an idle actor's usual stop) takes no buffer, and
/// everything sent after it, stops too, is taken after it.
#[test]
fn a_stop_to_an_empty_mailbox_allocates_nothing_and_stays_first() {
    use super::{Overflow, Sys, channel};
    let (tx, mut rx) = channel::<u32>(None, Overflow::Wait, false);
    assert!(tx.send_sys(Sys::Stop(ExitReason::Shutdown)));
    assert_eq!(
        tx.shared.lock().items.capacity(),
        0,
        "no buffer for a lone stop"
    );
    assert!(tx.offer_unbounded(1).is_ok());
    assert!(tx.send_sys(Sys::Stop(ExitReason::Normal)));
    assert_eq!(tx.stats().len, 1);
    assert_eq!(drain(&mut rx), ["plain Shutdown", "msg 1", "plain Normal"]);
    // Held again once the queue is empty.
    assert!(tx.send_sys(Sys::Stop(ExitReason::Normal)));
    assert_eq!(drain(&mut rx), ["plain Normal"]);
    assert!(rx.close().is_empty());
    assert!(!tx.send_sys(Sys::Stop(ExitReason::Normal)), "closed");
}

/// A call that finds only a held stop queued does not borrow the parked state: it goes behind
/// the stop (and so fails with the exit), as behind any queued message.
#[test]
fn a_call_after_a_held_stop_is_queued_not_run_inline() {
    use super::{Home, Lend, Overflow, Sys, channel};
    let (tx, mut rx) = channel::<u32>(None, Overflow::Wait, true);
    let mut state = Home::Here(7u64);
    assert!(rx.try_recv_parking(&mut state).is_none(), "parks the state");
    assert!(tx.send_sys(Sys::Stop(ExitReason::Normal)));
    assert!(matches!(tx.lend_or_queue(1), Lend::Queued));
    assert_eq!(drain(&mut rx), ["plain Normal", "msg 1"]);
}

/// A crash given back with a lent state goes ahead of a stop held meanwhile; messages a
/// followed child carries over go ahead of one too.
#[test]
fn a_crash_and_carried_messages_go_ahead_of_a_held_stop() {
    use super::{Envelope, Home, Lend, Overflow, Sys, channel};
    let (tx, mut rx) = channel::<u32>(None, Overflow::Wait, true);
    let mut state = Home::Here(7u64);
    assert!(rx.try_recv_parking(&mut state).is_none(), "parks the state");
    let Lend::Lent(lent, 1) = tx.lend_or_queue(1) else {
        panic!("an idle actor's state is lent");
    };
    assert!(tx.send_sys(Sys::Stop(ExitReason::Normal)));
    tx.give_back(lent, true, Some("boom".into()));
    assert_eq!(drain(&mut rx), ["crashed boom", "plain Normal"]);

    let (tx, mut rx) = channel::<u32>(None, Overflow::Wait, false);
    assert!(tx.send_sys(Sys::Stop(ExitReason::Normal)));
    let left = tx.adopt([Envelope::Msg(1), Envelope::Msg(2)].into_iter().collect());
    assert!(left.is_empty());
    assert_eq!(drain(&mut rx), ["msg 1", "msg 2", "plain Normal"]);
}
