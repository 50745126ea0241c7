//! The handle, messages and start functions `#[actor]` generates, end to end.

use std::time::Duration;

use beamish::prelude::*;

/// A counter.
#[derive(Debug)]
pub struct Counter {
    count: i64,
}

#[actor(restart = transient, shutdown = "5s")]
impl Counter {
    #[init]
    async fn init(start: i64) -> Self {
        Counter { count: start }
    }

    /// Adds `n` and returns the new count.
    #[call]
    async fn add(&mut self, n: i64) -> i64 {
        self.count += n;
        self.count
    }

    #[call]
    async fn get(&self) -> i64 {
        self.count
    }

    #[cast]
    async fn reset(&mut self) {
        self.count = 0;
    }

    #[call]
    async fn fail(&mut self, why: String) -> Result<i64, String> {
        Err(why)
    }
}

#[tokio::test]
async fn calls_and_casts_through_the_handle() {
    let c = Counter::start(1).await.expect("started");
    assert_eq!(c.add(2).await, Ok(3));
    c.reset().expect("alive");
    assert_eq!(c.get().await, Ok(0));
    assert_eq!(c.fail("no".into()).await, Ok(Err("no".to_string())));
    let slow = c.with_timeout(Duration::from_secs(1));
    assert_eq!(slow.add(1).await, Ok(1));
    c.stop(ExitReason::Normal).await.expect("stopped");
    assert_eq!(c.add(1).await, Err(CallError::NoProc));
    assert_eq!(c.wait().await, ExitReason::Normal);
}
