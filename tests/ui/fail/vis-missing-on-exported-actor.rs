//! An actor struct other crates can reach, with the default `vis`: its handle and start functions
//! stay `pub(crate)`, and rustc says to write `vis = pub` (or `vis = pub(crate)` to mean it).
use beamish::prelude::*;

pub struct Counter {
    count: i64,
}

#[actor]
impl Counter {
    #[init]
    async fn init(count: i64) -> Self {
        Counter { count }
    }

    #[call]
    async fn get(&self) -> i64 {
        self.count
    }
}

fn main() {}
