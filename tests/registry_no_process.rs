//! A registry is a value, not a process (REG-1.2, REG-1.3, REG-12 in beamish): building one starts
//! no actor, and registrants leave nothing behind. The only test in this binary, because
//! `live_actors()` counts every actor in the process.

mod registry_support;

use beamish::prelude::*;
use beamish::{Keys, Registry, live_actors};
use registry_support::{agent, run};

// REG-1.2, REG-1.3: Elixir starts a supervisor with one process per partition; beamish starts
// none, so there is nothing to supervise, crash or leak. Actors that register and exit return the
// live count to where it was, and their entries are gone. (Current-thread runtime: an actor's
// whole exit path, the live count included, runs before the waiting test task is polled again.)
#[tokio::test(flavor = "current_thread")]
async fn a_registry_starts_no_actor_and_registrants_leave_nothing() {
    let before = live_actors();
    let unique = Registry::<u32>::builder(Keys::Unique)
        .partitions(16)
        .build()
        .unwrap();
    let dup = Registry::<u32, u32>::new(Keys::Duplicate);
    assert_eq!(live_actors(), before);

    let mut agents = Vec::new();
    for i in 0..20u32 {
        let a = agent().await;
        let (u, d) = (unique.clone(), dup.clone());
        run(&a, move || {
            u.register(i, ()).unwrap();
            d.register(i % 3, i).unwrap();
            d.register(i % 3, i).unwrap();
        })
        .await;
        agents.push(a);
    }
    assert_eq!(live_actors(), before + 20);
    assert_eq!((unique.count(), dup.count()), (20, 40));
    for (i, a) in agents.into_iter().enumerate() {
        if i % 2 == 0 {
            a.stop(ExitReason::Normal).await.unwrap();
        } else {
            a.kill();
            a.wait().await;
        }
    }
    assert_eq!(live_actors(), before);
    assert_eq!((unique.count(), dup.count()), (0, 0));
}
