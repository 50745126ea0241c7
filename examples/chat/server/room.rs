//! Rooms: each an actor under a `DynamicSupervisor`, found by name in a unique-key `Registry`,
//! fanning messages out over a duplicate-key `Registry` of members.

use std::sync::Arc;
use std::time::Duration;

use beamish::prelude::*;

use super::outbox::{Outbox, Push};

/// Room name → the room actor (unique keys: via names).
pub(crate) type Rooms = Registry<String>;
/// Room name → its members (duplicate keys, one entry per member, registered by the member's
/// connection actor: the entry goes away by itself when the connection ends).
pub(crate) type Members = Registry<String, Member>;

/// A member of a room, as the members registry holds it.
#[derive(Clone, Debug)]
pub(crate) struct Member {
    /// Its nickname.
    pub(crate) nick: String,
    /// Its connection's outbound queue: the room pushes to it without ever waiting.
    pub(crate) outbox: Arc<Outbox>,
}

/// The rooms, their members and the supervisor the rooms run under.
#[derive(Clone, Debug)]
pub(crate) struct Hub {
    /// Room name → the room.
    pub(crate) rooms: Rooms,
    /// Room name → its members.
    pub(crate) members: Members,
    /// The rooms' supervisor.
    pub(crate) supervisor: DynamicSupervisor,
}

impl Hub {
    /// No rooms yet, and their supervisor.
    ///
    /// # Errors
    /// The supervisor did not start.
    pub(crate) async fn start() -> Result<Hub, SupervisorError> {
        // Rooms crash on request in the demo; allow plenty of restarts before giving up.
        let options = DynamicSupervisorOptions::new()
            .max_restarts(1_000)
            .max_seconds(Duration::from_secs(1));
        Ok(Hub {
            rooms: Registry::new(Keys::Unique),
            members: Registry::new(Keys::Duplicate),
            supervisor: DynamicSupervisor::start(options).await?,
        })
    }

    /// The room called `name`, started under the supervisor if nobody runs it yet.
    pub(crate) async fn open_room(&self, name: &str) -> Result<(), String> {
        if RoomHandle::whereis(&self.rooms, name).is_some() {
            return Ok(());
        }
        let args = RoomArgs {
            name: name.to_owned(),
            members: self.members.clone(),
        };
        let spec = Room::child_spec_via(&self.rooms, name.to_owned(), args);
        match self.supervisor.start_child(spec).await {
            Ok(_) => Ok(()),
            // Someone opened it first: fine.
            Err(_) if RoomHandle::whereis(&self.rooms, name).is_some() => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The room called `name`, by name (it may be restarting).
    pub(crate) fn room(&self, name: &str) -> RoomNamed {
        Room::via(&self.rooms, name.to_owned())
    }
}

/// A chat room's start argument (cloned for every restart).
#[derive(Clone, Debug)]
pub(crate) struct RoomArgs {
    name: String,
    members: Members,
}

/// One chat room. Its only state is a message counter: members live in the registry, so a
/// restart loses nothing that matters.
#[derive(Debug)]
pub(crate) struct Room {
    name: String,
    members: Members,
    said: u64,
}

#[actor(restart = permanent, shutdown = "1s")]
impl Room {
    #[init]
    async fn init(args: RoomArgs) -> Self {
        Room {
            name: args.name,
            members: args.members,
            said: 0,
        }
    }

    /// Queues `text` from `from` for every member; returns how many queued it. A member whose
    /// queue is full is not waited for: its push overflows the queue, and its connection hangs
    /// up on it.
    #[call]
    async fn say(&mut self, from: String, text: String) -> usize {
        self.said += 1;
        let line: Arc<str> = format!("[{}] {from}: {text}", self.name).into();
        self.members
            .dispatch(&self.name, |members| {
                members
                    .iter()
                    .filter(|(_, member)| member.outbox.push(line.clone()) == Push::Queued)
                    .count()
            })
            .unwrap_or(0)
    }

    /// The nicknames of the members.
    #[call]
    async fn who(&self) -> Vec<String> {
        let mut nicks: Vec<String> = self
            .members
            .lookup(&self.name)
            .into_iter()
            .map(|(_, member)| member.nick)
            .collect();
        nicks.sort();
        nicks
    }

    /// Crashes the room, to show the supervisor at work.
    #[cast]
    async fn crash(&mut self) {
        panic!(
            "room {} crashed on request after {} messages",
            self.name, self.said
        );
    }
}
