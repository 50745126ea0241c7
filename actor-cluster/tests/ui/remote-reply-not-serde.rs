use beamish::prelude::*;

pub struct Ticket;

struct Office;

#[actor(remote)]
impl Office {
    #[init]
    async fn init() -> Self {
        Office
    }

    #[call]
    async fn issue(&mut self, n: u32) -> Ticket {
        let _ = n;
        Ticket
    }
}

fn main() {}
