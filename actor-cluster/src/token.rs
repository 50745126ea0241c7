//! Fencing tokens: what a system outside the cluster compares to refuse a stale owner's writes.

use async_nats::jetstream::kv;

/// The fencing token of an ownership (a registry name, a cluster supervisor's child): compare
/// two whole, and the later owner's is the greater.
///
/// Within one store, a later owner's entry has a higher revision. A store that was lost and
/// rebuilt numbers its entries from 1 again, so the token leads with the store's generation:
/// when its bucket was created, by the server's clock (which must not step back). Right after
/// a rebuild, until this node has replayed the new store, a token read here may be lower than
/// it should be, never higher: a stale owner is never let through by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FencingToken {
    /// When the store's bucket was created, in nanoseconds since the Unix epoch (server time).
    pub generation: u64,
    /// The ownership entry's revision in that store.
    pub revision: u64,
}

/// The generation of a bucket, from its status: its stream's creation time. (Through
/// `SystemTime`, which both of async-nats' date-time backends convert to.)
pub(crate) fn generation(status: &kv::bucket::Status) -> u64 {
    std::time::SystemTime::from(status.info.created)
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
        })
}
