use beamish::prelude::*;

struct A;

#[actor]
impl Clone for A {
    fn clone(&self) -> Self {
        A
    }
}

fn main() {}
