//! Why a registry operation failed, and how that reads as the error of a via-name start.

use crate::{ActorId, InitError, StartError};

/// Why a registry operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The key is held by a live actor (REG-2.2); its id. The holder may be the caller itself.
    #[error("key already registered by {0}")]
    AlreadyRegistered(ActorId),
    /// The operation needs the calling actor, and the caller is not an actor.
    #[error("registry operations that register must be called from inside an actor")]
    NotInActor,
    /// The operation needs a registry with unique keys (`update_value`, via names).
    #[error("this operation needs a registry with `Keys::Unique`")]
    NotUnique,
    /// `update_value`: the calling actor does not hold the key (REG-7).
    #[error("the calling actor does not hold this key")]
    NotHeld,
    /// [`RegistryBuilder::partitions`](crate::RegistryBuilder::partitions) was given zero.
    #[error("a registry needs at least one partition")]
    ZeroPartitions,
    /// [`RegistryBuilder::partitions`](crate::RegistryBuilder::partitions) was given more than
    /// 4096; the number given.
    #[error("at most 4096 partitions, not {0}")]
    TooManyPartitions(usize),
}

/// A registration error as the error of a via-name start.
pub(crate) fn start_error(e: RegistryError) -> StartError {
    match e {
        RegistryError::AlreadyRegistered(holder) => StartError::AlreadyStarted(holder),
        other => StartError::Refused(InitError::new(other)),
    }
}
