//! `#[actor(crate = path)]` names the runtime through `path` (for a renamed dependency).
mod renamed {
    pub use ::beamish::*;
}

use renamed::Start;

struct Echo;

#[renamed::actor(crate = crate::renamed)]
impl Echo {
    #[init]
    async fn init() -> Self {
        Echo
    }

    #[call]
    async fn echo(&self, s: String) -> String {
        s
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let e = Echo::start(()).await.unwrap();
    assert_eq!(e.echo("hi".into()).await.unwrap(), "hi");
}
