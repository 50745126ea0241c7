//! The default visibility is `pub(crate)`: the handle cannot be re-exported to other crates.
mod inner {
    use beamish::prelude::*;

    pub struct Counter;

    #[actor]
    impl Counter {
        #[init]
        async fn init() -> Self {
            Counter
        }
    }
}

pub use inner::CounterHandle;

fn main() {}
