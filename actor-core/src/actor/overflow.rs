//! What a bounded mailbox does when it is full ([`Overflow`]), and what it reports about itself
//! ([`MailboxStats`]).

/// What a bounded mailbox does with a user message that finds it full: the policy an actor
/// declares for a consumer that falls behind (`#[actor(mailbox = N, overflow = …)]`,
/// [`Actor::MAILBOX_OVERFLOW`](crate::Actor::MAILBOX_OVERFLOW), or
/// [`StartOptions::overflow`](crate::StartOptions::overflow)). An unbounded mailbox never
/// overflows.
///
/// Whatever the policy, **a call never silently vanishes**: a call the mailbox refuses fails at
/// once with [`CallError::Full`](crate::CallError::Full), and a queued call that
/// [`DropOldest`](Overflow::DropOldest) pushes out fails at once with
/// [`CallError::Dropped`](crate::CallError::Dropped). System messages (monitors' `Down`s, exit
/// signals, timers, stop requests) never count against the bound and are never dropped.
///
/// | policy | `cast` when full | `send` when full | `call` when full |
/// |---|---|---|---|
/// | `Wait` (default) | `Err(SendError::Full)` | waits for room | waits for room, within its timeout |
/// | `Reject` | `Err(SendError::Full)` | `Err(SendError::Full)` | `Err(CallError::Full)` |
/// | `DropNewest` | `Ok(())`, the message is dropped | the same | `Err(CallError::Full)` |
/// | `DropOldest` | `Ok(())`, the oldest queued message is dropped | the same | queued, the oldest dropped |
/// | `Stop` | `Err(SendError::Full)`, and the actor stops | the same | `Err(CallError::Full)`, and the actor stops |
///
/// Every message a policy other than `Wait` refuses or drops is counted in
/// [`MailboxStats::dropped`].
///
/// ```
/// use beamish::prelude::*;
///
/// struct Feed {
///     seen: Vec<u32>,
/// }
///
/// #[actor(mailbox = 3, overflow = drop_oldest)]
/// impl Feed {
///     #[init]
///     async fn init(_: ()) -> Self {
///         Feed { seen: Vec::new() }
///     }
///
///     #[cast]
///     async fn push(&mut self, n: u32) {
///         self.seen.push(n);
///     }
///
///     #[call]
///     async fn seen(&self) -> Vec<u32> {
///         self.seen.clone()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let feed = Feed::start(()).await.unwrap();
/// // The actor has not run yet on this one-thread runtime: 1, 2 and 3 are queued, then each
/// // later push drops the oldest queued message.
/// for n in 1..=5 {
///     feed.push(n).unwrap();
/// }
/// let stats = feed.mailbox_stats();
/// assert_eq!((stats.len, stats.capacity, stats.dropped), (3, Some(3), 2));
/// // The call takes a place too: it pushes out 3.
/// assert_eq!(feed.seen().await.unwrap(), vec![4, 5]);
/// assert_eq!(feed.mailbox_stats().dropped, 3);
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Overflow {
    /// Senders wait for room: [`send`](crate::ActorRef::send) and calls wait (a call within its
    /// timeout), a non-waiting [`cast`](crate::ActorRef::cast) hands back
    /// [`SendError::Full`](crate::SendError::Full). Nothing is dropped; the sender slows down to
    /// the consumer's pace (backpressure).
    #[default]
    Wait,
    /// The new message is refused at once: casts and sends get
    /// [`SendError::Full`](crate::SendError::Full), calls [`CallError::Full`](crate::CallError::Full).
    Reject,
    /// The new message is dropped: a cast or send still returns `Ok` (the loss is the declared
    /// policy, and counted), a call fails at once with [`CallError::Full`](crate::CallError::Full).
    DropNewest,
    /// The oldest queued user message is dropped to make room, and the new one is queued: for a
    /// feed where only the latest values matter. If the dropped message was a call, its caller
    /// gets [`CallError::Dropped`](crate::CallError::Dropped) at once.
    DropOldest,
    /// The actor is stopped with [`ExitReason::MailboxOverflow`](crate::ExitReason::MailboxOverflow)
    /// — a slow consumer is disconnected rather than allowed to fall further behind. Its running
    /// handler is dropped at its next await, the messages still queued are not handled (their
    /// callers get [`CallError::Exited`](crate::CallError::Exited) with that reason), and
    /// `terminate` runs with the reason. It is a crash: links, monitors and supervisors see it as
    /// one, so a supervisor restarts a permanent or transient child. The message that found the
    /// mailbox full is refused as under [`Reject`](Overflow::Reject).
    Stop,
}

impl Overflow {
    /// The policy's name as written in `#[actor(overflow = …)]`.
    pub fn name(self) -> &'static str {
        match self {
            Overflow::Wait => "wait",
            Overflow::Reject => "reject",
            Overflow::DropNewest => "drop_newest",
            Overflow::DropOldest => "drop_oldest",
            Overflow::Stop => "stop",
        }
    }
}

/// A snapshot of an actor's mailbox: how far behind it is, its bound, and what its overflow
/// policy dropped. From [`ActorHandle::mailbox_stats`](crate::ActorHandle::mailbox_stats) on any
/// handle.
///
/// Counts are of user messages (calls and casts); system messages are not counted. Reading them
/// takes the mailbox's lock once and never slows the actor down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MailboxStats {
    /// Messages queued and not yet taken by the actor (the one it is handling is not counted).
    pub len: usize,
    /// The bound, or `None` for an unbounded mailbox.
    pub capacity: Option<usize>,
    /// Messages the overflow policy refused or dropped since the actor started (always 0 under
    /// [`Overflow::Wait`] and for an unbounded mailbox).
    pub dropped: u64,
    /// Messages the actor has taken from its mailbox since it started, counting the calls it
    /// handled inline (see [`Actor::handle_inline`](crate::Actor::handle_inline)).
    pub received: u64,
    /// The overflow policy (meaningful only when `capacity` is set).
    pub overflow: Overflow,
}
