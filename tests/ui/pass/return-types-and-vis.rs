//! Call handlers returning `()`, a plain value, a `Result` and `Self`-typed values; generated items
//! with `vis = pub(crate)`.
#![deny(unreachable_pub)]

use beamish::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cell {
    value: u8,
}

#[actor(vis = pub(crate))]
impl Cell {
    #[init]
    async fn init(value: u8) -> Result<Self, String> {
        Ok(Cell { value })
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

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let c: CellHandle = Cell::start(1).await.unwrap();
    c.ping().await.unwrap();
    assert_eq!(c.label("v", 9).await.unwrap(), "v=1");
    assert_eq!(c.replace(Cell { value: 0 }).await.unwrap(), Err("zero".to_string()));
    assert_eq!(c.replace(Cell { value: 3 }).await.unwrap(), Ok(3));
    assert_eq!(c.snapshot().await.unwrap(), Cell { value: 3 });
}
