//! Via-named children: re-registered under their key on every restart, so a named handle keeps
//! working (GS-1.5, REG-9, §5.8 with DS-3 and SUP-4).

#[path = "support/supervisor.rs"]
mod support;

use beamish::prelude::*;
use beamish::{
    DynamicSupervisor, DynamicSupervisorOptions, Strategy, Supervisor, SupervisorError,
    SupervisorOptions,
};
use support::Watch;

/// A per-user session that panics on bad input.
#[derive(Debug)]
pub(crate) struct Session {
    user: String,
    hits: u64,
}

#[actor]
impl Session {
    #[init]
    async fn init(user: String) -> Self {
        Session { user, hits: 0 }
    }

    /// Counts a hit and returns `user:hits`.
    #[call]
    async fn hit(&mut self) -> String {
        self.hits += 1;
        format!("{}:{}", self.user, self.hits)
    }

    /// Panics on empty input.
    #[call]
    async fn input(&mut self, text: String) -> usize {
        assert!(!text.is_empty(), "empty input");
        text.len()
    }
}

// DS-3, GS-1.5: a via-named child of a DynamicSupervisor is registered again under its key after
// each crash; the named handle reaches every new incarnation.
#[tokio::test]
async fn via_named_child_is_re_registered_after_each_restart() {
    let registry = Registry::<String>::new(Keys::Unique);
    let mut watch = Watch::new().await;
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new().max_restarts(10))
        .await
        .unwrap();
    let key = "alice".to_string();
    let first = sup
        .start_child(Session::child_spec_via(&registry, key.clone(), key.clone()))
        .await
        .unwrap();
    let named = Session::via(&registry, key.clone());
    assert_eq!(named.hit().await, Ok("alice:1".to_string()));

    let mut previous = first;
    for round in 0..3 {
        watch.watch(&previous).await;
        let crashed = named.input(String::new()).await;
        assert!(
            matches!(crashed, Err(CallError::Exited(ExitReason::Panic(_)))),
            "{crashed:?}"
        );
        watch.down().await;
        // The supervisor has the exit now; once it answered, the restart is done.
        assert_eq!(sup.count_children().await.unwrap().restarts, round + 1);
        let current = SessionHandle::whereis(&registry, &key).expect("registered again");
        assert_ne!(current.id(), previous.id());
        assert_eq!(
            sup.which_children().await.unwrap()[0]
                .actor()
                .map(|a| a.id()),
            Some(current.id())
        );
        // The same named handle works, against a fresh state.
        assert_eq!(named.hit().await, Ok("alice:1".to_string()));
        assert_eq!(named.input("ok".into()).await, Ok(2));
        previous = current;
    }
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert!(SessionHandle::whereis(&registry, &key).is_none());
    assert_eq!(named.hit().await, Err(CallError::NoProc));
}

// GS-1.5: a second child for a key that is taken fails with AlreadyStarted carrying the holder;
// the supervisor keeps nothing of it.
#[tokio::test]
async fn a_taken_key_fails_start_child_with_already_started() {
    let registry = Registry::<String>::new(Keys::Unique);
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let key = "bob".to_string();
    let bob = sup
        .start_child(Session::child_spec_via(&registry, key.clone(), key.clone()))
        .await
        .unwrap();
    let again = sup
        .start_child(Session::child_spec_via(&registry, key.clone(), key.clone()))
        .await;
    assert!(
        matches!(
            &again,
            Err(SupervisorError::Start {
                id,
                error: StartError::AlreadyStarted(holder),
            }) if *id == format!("{key:?}") && *holder == bob.id()
        ),
        "{again:?}"
    );
    assert_eq!(sup.count_children().await.unwrap().specs, 1);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-4: one_for_all restarts every via-named child; each is registered again under its own key.
#[tokio::test]
async fn one_for_all_re_registers_every_named_child() {
    let registry = Registry::<String>::new(Keys::Unique);
    let mut watch = Watch::new().await;
    let keys = ["a", "b", "c"].map(String::from);
    let children = keys
        .iter()
        .map(|k| Session::child_spec_via(&registry, k.clone(), k.clone()).untyped());
    let sup = Supervisor::start(children, SupervisorOptions::new(Strategy::OneForAll))
        .await
        .unwrap();
    let before: Vec<_> = keys
        .iter()
        .map(|k| SessionHandle::whereis(&registry, k).unwrap())
        .collect();
    watch.watch(&before[1]).await;
    let _ = Session::via(&registry, keys[1].clone())
        .input(String::new())
        .await;
    watch.down().await;
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.active, counts.restarts), (3, 1));
    for (k, old) in keys.iter().zip(&before) {
        let now = SessionHandle::whereis(&registry, k).expect("registered");
        assert_ne!(now.id(), old.id());
        assert!(!old.is_alive());
        assert_eq!(
            Session::via(&registry, k.clone()).hit().await,
            Ok(format!("{k}:1"))
        );
    }
    assert_eq!(registry.count(), 3);
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(registry.count(), 0);
}

// DS-1.4, GS-1.5: supervisors can be registered by name too; a taken name fails the start with
// AlreadyStarted carrying the holder, and the name is free once the supervisor exits.
#[tokio::test]
async fn a_supervisor_can_be_registered_by_name() {
    let registry = Registry::<&'static str>::new(Keys::Unique);
    let sup = DynamicSupervisor::start_via(&registry, "sessions", DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let found = registry.whereis(&"sessions").expect("registered");
    assert_eq!(found.id(), sup.id());
    let found = DynamicSupervisor::from_any(found).expect("a DynamicSupervisor");
    assert_eq!(found.count_children().await.unwrap().specs, 0);

    let taken =
        DynamicSupervisor::start_via(&registry, "sessions", DynamicSupervisorOptions::new())
            .await
            .unwrap_err();
    assert!(
        matches!(taken, SupervisorError::Start { error: StartError::AlreadyStarted(id), .. } if id == sup.id()),
        "{taken:?}"
    );
    let taken = Supervisor::start_via(
        &registry,
        "sessions",
        Vec::new(),
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(taken, SupervisorError::Start { error: StartError::AlreadyStarted(id), .. } if id == sup.id()),
        "{taken:?}"
    );

    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert!(registry.whereis(&"sessions").is_none());
    let again = Supervisor::start_via(
        &registry,
        "sessions",
        Vec::new(),
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    assert_eq!(
        registry.whereis(&"sessions").map(|a| a.id()),
        Some(again.id())
    );
    again.stop(ExitReason::Shutdown).await.unwrap();
}

// REG-9.1: a supervisor cannot take a via name in a duplicate-key registry either; the start is
// refused before anything runs.
#[tokio::test]
async fn supervisors_refuse_via_names_in_duplicate_registries() {
    let dup = Registry::<String>::new(Keys::Duplicate);
    let refused = |result: &Result<(), SupervisorError>| {
        matches!(
            result,
            Err(SupervisorError::Start {
                error: StartError::Refused(_),
                ..
            })
        )
    };
    let dynamic = DynamicSupervisor::start_via(&dup, "sup".into(), DynamicSupervisorOptions::new())
        .await
        .map(|_| ());
    assert!(refused(&dynamic), "{dynamic:?}");
    let fixed = Supervisor::start_via(
        &dup,
        "sup".into(),
        Vec::new(),
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .map(|_| ());
    assert!(refused(&fixed), "{fixed:?}");
    assert_eq!(dup.count(), 0);
}

// DS-1.4 under a parent: a DynamicSupervisor started by `child_spec_via` is registered under its
// key on every (re)start, so the tree's parts are found by name; after its parent restarts it,
// the name resolves to the new incarnation, which starts empty.
#[tokio::test]
async fn a_dynamic_supervisor_child_spec_via_is_found_by_name_across_restarts() {
    let registry = Registry::<String>::new(Keys::Unique);
    let mut watch = Watch::new().await;
    let spec = DynamicSupervisor::child_spec_via(
        &registry,
        "sessions".to_string(),
        DynamicSupervisorOptions::new(),
    );
    assert_eq!(spec.id(), "\"sessions\"");
    assert_eq!(spec.kind(), ChildType::Supervisor);
    assert_eq!(spec.shutdown_mode(), Shutdown::Infinity);
    let root = Supervisor::start(
        [spec.untyped()],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let sessions = DynamicSupervisor::whereis(&registry, "sessions").expect("registered");
    assert_eq!(
        root.which_children().await.unwrap()[0]
            .actor()
            .map(|a| a.id()),
        Some(sessions.id())
    );
    let alice = sessions
        .start_child(Session::child_spec("alice".to_string()))
        .await
        .unwrap();
    assert_eq!(alice.hit().await, Ok("alice:1".to_string()));

    watch.watch(&sessions).await;
    sessions.kill();
    assert_eq!(watch.down().await, (sessions.id(), ExitReason::Killed));
    // The parent has the exit now; once it answered, the restart is done.
    assert_eq!(root.count_children().await.unwrap().restarts, 1);
    let again = DynamicSupervisor::whereis(&registry, "sessions").expect("registered again");
    assert_ne!(again.id(), sessions.id());
    assert_eq!(
        root.which_children().await.unwrap()[0]
            .actor()
            .map(|a| a.id()),
        Some(again.id())
    );
    assert_eq!(again.count_children().await.unwrap().specs, 0);
    assert_eq!(alice.wait().await, ExitReason::Killed);
    let bob = again
        .start_child(Session::child_spec("bob".to_string()))
        .await
        .unwrap();
    assert_eq!(bob.hit().await, Ok("bob:1".to_string()));

    root.stop(ExitReason::Shutdown).await.unwrap();
    assert!(DynamicSupervisor::whereis(&registry, "sessions").is_none());
    assert!(!bob.is_alive());
}

// SUP-4 with names: a static Supervisor started by `child_spec_via` is found by name, and again
// after its parent restarted it, with its children started afresh.
#[tokio::test]
async fn a_supervisor_child_spec_via_is_found_by_name_across_restarts() {
    let registry = Registry::<&'static str>::new(Keys::Unique);
    let mut watch = Watch::new().await;
    let inner = Supervisor::child_spec_via(
        &registry,
        "inner",
        [Session::child_spec("carol".to_string()).untyped()],
        SupervisorOptions::new(Strategy::OneForOne),
    );
    assert_eq!(inner.id(), "\"inner\"");
    assert_eq!(inner.kind(), ChildType::Supervisor);
    let root = Supervisor::start(
        [inner.untyped()],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let first = Supervisor::whereis(&registry, "inner").expect("registered");
    let carol = first.which_children().await.unwrap()[0]
        .actor()
        .cloned()
        .and_then(SessionHandle::from_any)
        .expect("carol runs");
    assert_eq!(carol.hit().await, Ok("carol:1".to_string()));

    watch.watch(&first).await;
    first.kill();
    assert_eq!(watch.down().await, (first.id(), ExitReason::Killed));
    assert_eq!(root.count_children().await.unwrap().restarts, 1);
    let second = Supervisor::whereis(&registry, "inner").expect("registered again");
    assert_ne!(second.id(), first.id());
    let carol_again = second.which_children().await.unwrap()[0]
        .actor()
        .cloned()
        .and_then(SessionHandle::from_any)
        .expect("carol runs again");
    assert_ne!(carol_again.id(), carol.id());
    assert_eq!(carol_again.hit().await, Ok("carol:1".to_string()));

    root.stop(ExitReason::Shutdown).await.unwrap();
    assert!(Supervisor::whereis(&registry, "inner").is_none());
}

// GS-1.5 for supervisor child specs: a held name fails the child's start with AlreadyStarted
// carrying the holder (the supervisor's own start error, not a child's), for both kinds.
#[tokio::test]
async fn supervisor_child_specs_via_a_taken_name_fail_with_already_started() {
    let registry = Registry::<&'static str>::new(Keys::Unique);
    let holder = Session::start_via(&registry, "taken", "dave".to_string())
        .await
        .unwrap();
    let parent = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let already_started = |result: &Result<AnyActor, SupervisorError>| {
        matches!(
            result,
            Err(SupervisorError::Start {
                id,
                error: StartError::AlreadyStarted(held),
            }) if id == "\"taken\"" && *held == holder.id()
        )
    };
    let dynamic = parent
        .start_child(
            DynamicSupervisor::child_spec_via(&registry, "taken", DynamicSupervisorOptions::new())
                .untyped(),
        )
        .await;
    assert!(already_started(&dynamic), "{dynamic:?}");
    let fixed = parent
        .start_child(
            Supervisor::child_spec_via(
                &registry,
                "taken",
                Vec::new(),
                SupervisorOptions::new(Strategy::OneForOne),
            )
            .untyped(),
        )
        .await;
    assert!(already_started(&fixed), "{fixed:?}");
    assert_eq!(parent.count_children().await.unwrap().specs, 0);
    assert_eq!(
        registry.whereis(&"taken").map(|a| a.id()),
        Some(holder.id())
    );
    parent.stop(ExitReason::Shutdown).await.unwrap();
    holder.stop(ExitReason::Normal).await.unwrap();
}
