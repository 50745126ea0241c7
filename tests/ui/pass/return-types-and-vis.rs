//! Call handlers returning `()`, a plain value, a `Result` and `Self`-typed values; `vis = …`
//! narrower than the default `pub(crate)`, for an `impl super::Cell` written in a child module of
//! the struct's.
#![deny(warnings)]

use decoys::*;
use outer::cells::*;

/// Named like the generated items: the glob imports above would make them ambiguous (an error)
/// if the generated items were visible here.
mod decoys {
    pub(crate) struct CellHandle;
    pub(crate) struct CellMessage;
}

mod outer {
    /// Private to `outer` (and so visible in `outer::cells`).
    #[derive(Clone, Debug, PartialEq)]
    struct Cell {
        value: u8,
    }

    pub(crate) mod cells {
        use beamish::prelude::*;

        /// Something the crate root may use from here.
        pub(crate) const CELLS: u8 = 1;

        /// `pub(super)`: exactly as far as `Cell` itself is visible.
        #[actor(vis = pub(super))]
        impl super::Cell {
            #[init]
            async fn init(value: u8) -> Result<Self, String> {
                Ok(super::Cell { value })
            }

            #[call]
            async fn ping(&self) {}

            /// A `'static` reference and an ignored argument are fine as message fields.
            #[call]
            async fn label(&self, name: &'static str, _: u64) -> String {
                format!("{name}={}", self.value)
            }

            #[call]
            async fn snapshot(&self) -> Self {
                self.clone()
            }

            #[call]
            async fn replace(&mut self, other: Self) -> Result<u8, String> {
                if other.value == 0 {
                    return Err("zero".into());
                }
                self.value = other.value;
                Ok(self.value)
            }
        }
    }

    use beamish::Start;
    use cells::CellHandle;

    /// `outer` may use the `pub(super)` handle.
    pub(crate) async fn run() {
        let c: CellHandle = Cell::start(1).await.unwrap();
        c.ping().await.unwrap();
        assert_eq!(c.label("v", 9).await.unwrap(), "v=1");
        assert_eq!(c.replace(Cell { value: 0 }).await.unwrap(), Err("zero".to_string()));
        assert_eq!(c.replace(Cell { value: 3 }).await.unwrap(), Ok(3));
        assert_eq!(c.snapshot().await.unwrap(), Cell { value: 3 });
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _: Option<(CellHandle, CellMessage)> = None;
    assert_eq!(CELLS, 1);
    outer::run().await;
}
