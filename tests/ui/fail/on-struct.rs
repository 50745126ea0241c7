use beamish::prelude::*;

#[actor]
struct A {
    n: u8,
}

fn main() {}
