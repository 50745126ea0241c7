//! What the two supervisor handles share: both wrap the supervisor's `ActorRef` in a field named
//! `actor`, and forward the lifecycle methods and identity traits to it. (`stop` stays with each
//! kind: its docs say how that kind stops its children.)

/// The shared lifecycle methods (`kill`, `id`, `is_alive`, `wait`, `monitor`, `link`) and the
/// `Debug`, `PartialEq`, `Eq` and `ToAnyActor` impls of a supervisor handle type.
macro_rules! supervisor_handle {
    (impl[$($generics:tt)*] $handle:ty, $name:literal) => {
        impl<$($generics)*> $handle {
            /// Kills the supervisor at once. Its children are linked to it: non-trapping ones die
            /// with [`ExitReason::Killed`](crate::ExitReason::Killed), trapping ones stop in order.
            pub fn kill(&self) {
                self.actor.kill();
            }

            /// The supervisor's actor id.
            pub fn id(&self) -> $crate::ActorId {
                self.actor.id()
            }

            /// `true` until the supervisor has exited.
            pub fn is_alive(&self) -> bool {
                self.actor.is_alive()
            }

            /// Waits for the supervisor to exit and returns its exit reason.
            pub async fn wait(&self) -> $crate::ExitReason {
                self.actor.wait().await
            }

            /// The calling actor monitors the supervisor.
            pub fn monitor(&self) -> Result<$crate::actor::MonitorRef, $crate::NotInActor> {
                self.actor.monitor()
            }

            /// Links the calling actor and the supervisor.
            pub fn link(&self) -> Result<(), $crate::NotInActor> {
                self.actor.link()
            }
        }

        impl<$($generics)*> ::std::fmt::Debug for $handle {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct($name).field("id", &self.id()).finish()
            }
        }

        impl<$($generics)*> PartialEq for $handle {
            fn eq(&self, other: &Self) -> bool {
                self.id() == other.id()
            }
        }

        impl<$($generics)*> Eq for $handle {}

        impl<$($generics)*> $crate::actor::ToAnyActor for $handle {
            fn to_any(&self) -> $crate::actor::AnyActor {
                self.actor.to_any()
            }
        }
    };
}

pub(crate) use supervisor_handle;
