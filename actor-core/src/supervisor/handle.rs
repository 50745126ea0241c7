//! What the two supervisor handles share: both wrap the supervisor's `ActorRef` in a field named
//! `actor`; their lifecycle (`id`, `stop`, `kill`, `wait`, `monitor`, `link`) is
//! [`ActorHandle`](crate::ActorHandle)'s, through this accessor, and they compare by id.

/// The `ActorHandle`, `Debug`, `PartialEq` and `Eq` impls of a supervisor handle type.
macro_rules! supervisor_handle {
    (impl[$($generics:tt)*] $handle:ty, $name:literal) => {
        impl<$($generics)*> $crate::actor::ActorHandle for $handle {
            fn view(&self) -> $crate::actor::ActorView<'_> {
                self.actor.view()
            }
        }

        impl<$($generics)*> ::std::fmt::Debug for $handle {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                use $crate::actor::ActorHandle as _;
                f.debug_struct($name).field("id", &self.id()).finish()
            }
        }

        impl<$($generics)*> PartialEq for $handle {
            fn eq(&self, other: &Self) -> bool {
                self.actor == other.actor
            }
        }

        impl<$($generics)*> Eq for $handle {}
    };
}

pub(crate) use supervisor_handle;
