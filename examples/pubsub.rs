//! Chat rooms as pub/sub over a duplicate-key [`Registry`]: every member actor registers itself
//! under each room it joins (the value is its nickname), and `say` publishes with
//! [`Registry::dispatch`], which hands the room's members to a callback in one go — no list is
//! copied, no lock is held while the callback casts to each member.
//!
//! It also shows a listener (a presence log of joins and leaves), how a crashed member vanishes
//! from every room before anyone can see it die (its `Down` comes after), a unique-key registry
//! of nicknames used as via names, and `count_match` / `keys` queries.
//!
//! Run it with `cargo run --example pubsub`. It prints the conversation and exits by itself.

use std::sync::{Arc, Mutex};

use beamish::RegistryEvent;
use beamish::prelude::*;

/// Room name → the members in it, each entry's value the member's nickname.
type Rooms = Registry<String, String>;

/// One chat user: joins and leaves rooms, says things, keeps what it heard.
#[derive(Debug)]
struct Member {
    nick: String,
    rooms: Rooms,
    heard: Vec<String>,
}

#[actor]
impl Member {
    /// Joins the given rooms from inside the new actor, so the registrations are its own.
    #[init]
    async fn init(args: (Rooms, String, Vec<&'static str>)) -> Result<Self, RegistryError> {
        let (rooms, nick, join) = args;
        for room in join {
            rooms.register(room.to_string(), nick.clone())?;
        }
        Ok(Member {
            nick,
            rooms,
            heard: Vec::new(),
        })
    }

    /// Joins `room`.
    #[call]
    async fn join(&mut self, room: String) -> Result<(), RegistryError> {
        self.rooms.register(room, self.nick.clone())
    }

    /// Leaves `room`; `true` if it was in it.
    #[call]
    async fn leave(&mut self, room: String) -> Result<bool, RegistryError> {
        Ok(self.rooms.unregister(&room)? > 0)
    }

    /// Publishes `text` to everyone else in `room`; returns how many it reached.
    #[call]
    async fn say(&mut self, room: String, text: String, ctx: &mut Context<Self>) -> usize {
        let me = ctx.id();
        let line = format!("[{room}] {}: {text}", self.nick);
        self.rooms
            .dispatch(&room, |members| {
                members
                    .iter()
                    .filter(|(actor, _)| actor.id() != me)
                    .filter_map(|(actor, _)| MemberHandle::from_any(actor.clone()))
                    .filter(|member| member.hear(line.clone()).is_ok())
                    .count()
            })
            .unwrap_or(0)
    }

    /// Delivered by `say`.
    #[cast]
    async fn hear(&mut self, line: String) {
        self.heard.push(line);
    }

    /// Everything heard so far.
    #[call]
    async fn transcript(&self) -> Vec<String> {
        self.heard.clone()
    }
}

/// Watches members and reports their deaths with what the registry says at that moment.
#[derive(Debug)]
struct Watcher {
    rooms: Rooms,
    report: tokio::sync::mpsc::UnboundedSender<String>,
}

#[actor]
impl Watcher {
    #[init]
    async fn init(args: (Rooms, tokio::sync::mpsc::UnboundedSender<String>)) -> Self {
        let (rooms, report) = args;
        Watcher { rooms, report }
    }

    /// Starts watching `member`.
    #[call]
    async fn watch(&mut self, member: MemberHandle, ctx: &mut Context<Self>) {
        ctx.monitor(&member);
    }

    #[info]
    async fn on_info(&mut self, info: Info) {
        if let Info::Down { id, reason, .. } = info {
            // By the time `Down` arrives, the dead member is in no room any more.
            let rooms_left = self.rooms.keys(id);
            let _ = self.report.send(format!(
                "{id} died ({reason}); rooms it is still in: {rooms_left:?}"
            ));
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Presence log: the listener runs in the joining/leaving actor, so it only records.
    let presence = Arc::new(Mutex::new(Vec::new()));
    let log = presence.clone();
    let rooms: Rooms = Registry::builder(Keys::Duplicate)
        .listener(move |event: &RegistryEvent<String, String>| {
            let line = match event {
                RegistryEvent::Registered { key, value, actor } => {
                    format!("{value} ({}) joined {key}", actor.id())
                }
                RegistryEvent::Unregistered { key, actor } => format!("{} left {key}", actor.id()),
                _ => return,
            };
            log.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        })
        .build()?;
    // Nicknames are unique: a second registry, used for via names.
    let nicks = Registry::<String>::new(Keys::Unique);

    let start = |nick: &str, join: Vec<&'static str>| {
        let (rooms, nicks, nick) = (rooms.clone(), nicks.clone(), nick.to_string());
        async move { Member::start_via(&nicks, nick.clone(), (rooms, nick, join)).await }
    };
    let alice = start("alice", vec!["rust", "lobby"]).await?;
    let bob = start("bob", vec!["rust"]).await?;
    let carol = start("carol", vec!["lobby", "rust"]).await?;

    // A nickname is taken once.
    match start("bob", vec![]).await {
        Err(StartError::AlreadyStarted(holder)) => println!("nick `bob` is taken by {holder}"),
        other => return Err(format!("expected the nick to be taken, got {other:?}").into()),
    }

    println!(
        "members of #rust: {}",
        rooms.lookup(&"rust".to_string()).len()
    );
    assert_eq!(alice.say("rust".into(), "hi all".into()).await?, 2);
    assert_eq!(carol.say("lobby".into(), "anyone here?".into()).await?, 1);

    // Bob crashes. A watcher monitors him; his `Down` arrives after he has left every room.
    let (tx, mut reports) = tokio::sync::mpsc::unbounded_channel();
    let watcher = Watcher::start((rooms.clone(), tx)).await?;
    watcher.watch(bob.clone()).await?;
    bob.kill();
    let report = reports.recv().await.ok_or("watcher gone")?;
    println!("{report}");
    assert!(report.ends_with("[]"), "a dead member is in no room");

    // Messages now reach only the living; bob's nickname is free again.
    assert_eq!(alice.say("rust".into(), "bob?".into()).await?, 1);
    assert!(MemberHandle::whereis(&nicks, &"bob".to_string()).is_none());
    let bob2 = start("bob", vec!["rust"]).await?;
    assert_eq!(bob2.say("rust".into(), "back".into()).await?, 2);

    // Carol leaves #rust; a query by value finds who is left there.
    assert!(carol.leave("rust".into()).await??);
    let alices = rooms.count_match(&"rust".to_string(), |nick| nick == "alice");
    println!(
        "alice is in #rust {alices} time(s); carol's rooms: {:?}",
        rooms.keys(carol.id())
    );

    for (who, member) in [("alice", &alice), ("carol", &carol), ("bob (again)", &bob2)] {
        println!("{who} heard:");
        for line in member.transcript().await? {
            println!("    {line}");
        }
    }
    println!("presence log:");
    for line in presence.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        println!("    {line}");
    }

    for member in [alice, carol, bob2] {
        member.stop(ExitReason::Shutdown).await?;
    }
    watcher.stop(ExitReason::Normal).await?;
    assert_eq!(
        rooms.count() + nicks.count(),
        0,
        "every entry left with its actor"
    );
    println!("all members stopped; the registries are empty");
    Ok(())
}
