// A `OnceSpec` moves its arguments into its one start, so it cannot be made `Permanent` (or
// `Transient`): a restart would need the arguments again.
use beamish::prelude::*;
use tokio::net::TcpStream;

pub(crate) struct Conn {
    _stream: TcpStream,
}

#[actor]
impl Conn {
    #[init]
    async fn init(stream: TcpStream) -> Self {
        Conn { _stream: stream }
    }
}

fn permanent(stream: TcpStream) -> OnceSpec<ConnHandle> {
    Conn::child_spec_once(stream).restart(Restart::Permanent)
}

fn main() {
    let _ = permanent;
}
