//! One module per framework, each with the same workloads.

pub mod actix;
pub mod beamish;
pub mod kameo;
pub mod ractor;
pub mod raw;
