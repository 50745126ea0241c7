//! Where a cluster supervisor's children run: the [`Placement`] trait and its default.

/// Where a [`ClusterSupervisor`](crate::ClusterSupervisor)'s children run. Every node computes each child's place on its
/// own, so a supervisor must be opened with the same placement on every node (a claim is a
/// compare-and-set, so differing choices never run a child twice; they only move it).
pub trait Placement: Send + Sync + 'static {
    /// The node that should run child `child` (its id), of the live nodes hosting its type
    /// with room for more children (`hosts`, sorted, never empty; see
    /// [`ClusterSupervisor::max_children_here`](crate::ClusterSupervisor::max_children_here));
    /// `None` leaves it unplaced for now.
    fn choose(&self, child: &str, hosts: &[String]) -> Option<String>;

    /// Whether new children may be started with these live hosts (sorted): `false` makes
    /// `start_child` fail with [`ClusterSupervisorError::NoQuorum`](crate::ClusterSupervisorError::NoQuorum). By default, any host will do.
    fn has_quorum(&self, hosts: &[String]) -> bool {
        !hosts.is_empty()
    }
}

/// The default [`Placement`]: rendezvous (highest random weight) hashing of the child's id over
/// the hosts, so a host's loss moves only its own children, and a new host takes a fair share of
/// new children without moving old ones.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rendezvous;

impl Placement for Rendezvous {
    fn choose(&self, child: &str, hosts: &[String]) -> Option<String> {
        hosts
            .iter()
            .max_by_key(|node| crate::node::score(child, node))
            .cloned()
    }
}
