//! Via names under a supervisor (REG-9.4): a restarted child registers its name again, and a
//! named handle reaches whichever process holds the name now.

use beamish::prelude::*;
use beamish::{DynamicSupervisor, DynamicSupervisorOptions, RegistryEvent};
use tokio::sync::mpsc;

/// A service with a little state, so a restart is visible (the count starts over).
#[derive(Debug)]
pub(crate) struct Svc {
    calls: u32,
}

#[actor]
impl Svc {
    #[init]
    async fn init() -> Self {
        Svc { calls: 0 }
    }

    /// Counts calls.
    #[call]
    async fn bump(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }

    /// Panics.
    #[cast]
    async fn crash(&mut self) {
        panic!("svc crashed");
    }
}

// REG-9.4: after a crash the supervisor restarts the child, which takes the same via name; calls
// by name reach the new process. The test waits for the re-registration through a listener.
#[tokio::test]
async fn a_restarted_child_takes_its_name_again() {
    let (tx, mut registered) = mpsc::unbounded_channel();
    let reg: Registry<String> = Registry::builder(Keys::Unique)
        .listener(move |e: &RegistryEvent<String, ()>| {
            if let RegistryEvent::Registered { key, actor, .. } = e {
                let _ = tx.send((key.clone(), actor.id()));
            }
        })
        .build()
        .unwrap();
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let first: SvcHandle = sup
        .start_child(Svc::child_spec_via(&reg, "svc".to_string(), ()))
        .await
        .unwrap();
    assert_eq!(
        registered.recv().await,
        Some(("svc".to_string(), first.id()))
    );
    let named = Svc::via(&reg, "svc".to_string());
    assert_eq!(named.bump().await, Ok(1));
    assert_eq!(named.bump().await, Ok(2));

    first.crash().unwrap();
    assert!(matches!(first.wait().await, ExitReason::Panic(_)));
    let (key, second) = registered.recv().await.unwrap();
    assert_eq!(key, "svc");
    assert_ne!(second, first.id());
    // The same named handle now reaches the restarted process, with fresh state.
    assert_eq!(named.bump().await, Ok(1));
    assert_eq!(
        SvcHandle::whereis(&reg, &"svc".to_string()).map(|h| h.id()),
        Some(second)
    );

    // Stopping the supervisor stops the child, and the name goes with it.
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert!(SvcHandle::whereis(&reg, &"svc".to_string()).is_none());
    assert_eq!(named.bump().await, Err(CallError::NoProc));
    assert_eq!(reg.count(), 0);
}
