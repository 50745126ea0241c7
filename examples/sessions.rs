//! One actor per user session, started on demand under a `DynamicSupervisor` and found by name
//! through a `Registry` — the classic Elixir shape, in Rust.
//!
//! Each session keeps a shopping cart and writes it through to a shared store, which the
//! supervisor hands to every session it starts as its *extra argument* (OTP's `extra_arguments`).
//! A malformed line makes a session panic (a simulated parser bug): the supervisor starts it again
//! under the same name, the new incarnation reloads the cart from the store, and the caller's named
//! handle keeps working — it resolves the name at every call. Closing a session stops it in order
//! (its `terminate` runs) and removes it from the supervisor for good.
//!
//! Run it with `cargo run --example sessions`; it prints what happens and exits by itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use beamish::prelude::*;
use beamish::{DynamicSupervisor, DynamicSupervisorOptions, SupervisorError};

/// The "database": committed carts by user.
type Store = Arc<Mutex<HashMap<String, Vec<String>>>>;

/// A user's session.
#[derive(Debug)]
struct Session {
    user: String,
    cart: Vec<String>,
    store: Store,
}

#[actor(restart = transient, shutdown = "2s")]
impl Session {
    /// Loads the user's committed cart: a restarted session picks up where the last one was.
    #[init]
    async fn init(args: (Store, String)) -> Self {
        let (store, user) = args;
        let cart = store
            .lock()
            .map(|s| s.get(&user).cloned().unwrap_or_default())
            .unwrap_or_default();
        println!("  [{user}] session up with {} item(s)", cart.len());
        Session { user, cart, store }
    }

    /// Adds `line` ("name xQTY") to the cart; returns the number of items. The quantity parser
    /// has a bug: a malformed quantity panics, crashing the session.
    #[call]
    async fn add(&mut self, line: String) -> usize {
        let (name, qty) = line.split_once(" x").unwrap_or((line.as_str(), "1"));
        let qty: u32 = qty.parse().expect("quantity is a number");
        for _ in 0..qty {
            self.cart.push(name.to_string());
        }
        if let Ok(mut store) = self.store.lock() {
            store.insert(self.user.clone(), self.cart.clone());
        }
        self.cart.len()
    }

    /// The cart.
    #[call]
    async fn cart(&self) -> Vec<String> {
        self.cart.clone()
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        println!("  [{}] session down: {reason}", self.user);
    }
}

/// The session service: a registry of live sessions and the supervisor that owns them.
struct Sessions {
    names: Registry<String>,
    sup: DynamicSupervisor<Store>,
}

impl Sessions {
    async fn start(store: Store) -> Result<Self, SupervisorError> {
        let sup = DynamicSupervisor::start(
            DynamicSupervisorOptions::new()
                .max_restarts(5)
                .max_seconds(Duration::from_secs(10))
                .max_children(10_000)
                .extra_args(store),
        )
        .await?;
        Ok(Sessions {
            names: Registry::new(Keys::Unique),
            sup,
        })
    }

    /// The user's session by name, started on demand.
    async fn open(&self, user: &str) -> Result<SessionNamed, SupervisorError> {
        let key = user.to_string();
        if SessionHandle::whereis(&self.names, &key).is_none() {
            let names = self.names.clone();
            let spec = beamish::ChildSpec::with_extra(key.clone(), move |store: Store| {
                let (names, key) = (names.clone(), key.clone());
                async move {
                    Session::start_link_via(&names, key.clone(), (store, key))
                        .await
                        .map(|s| s.to_any())
                }
            })
            .restart(Restart::Transient)
            .typed::<SessionHandle>();
            match self.sup.start_child(spec).await {
                Ok(_) => {}
                // Someone opened it in the meantime: use theirs.
                Err(SupervisorError::Start {
                    error: StartError::AlreadyStarted(_),
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Session::via(&self.names, user.to_string()))
    }

    /// Closes the user's session, if any: stopped in order, never restarted.
    async fn close(&self, user: &str) -> Result<bool, SupervisorError> {
        match SessionHandle::whereis(&self.names, &user.to_string()) {
            Some(session) => self.sup.terminate_child(session.id()).await.map(|()| true),
            None => Ok(false),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the demo's output readable: one line per crash instead of a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("a panic");
        eprintln!("  !! a session crashed: {message}");
    }));

    let store: Store = Arc::default();
    let sessions = Sessions::start(store.clone()).await?;

    println!("alice and bob open sessions on demand");
    let alice = sessions.open("alice").await?;
    let bob = sessions.open("bob").await?;
    println!(
        "alice adds: {} item(s)",
        alice.add("widget x2".into()).await?
    );
    println!("bob adds:   {} item(s)", bob.add("gadget".into()).await?);

    println!("\nalice sends a malformed line");
    match alice.add("gizmo xZ".into()).await {
        Ok(n) => println!("unexpectedly fine: {n}"),
        Err(e) => println!("alice's call failed: {e}"),
    }

    // The supervisor restarts her session under the same name; the named handle finds it.
    let cart = loop {
        match alice.cart().await {
            Ok(cart) => break cart,
            Err(CallError::NoProc) => tokio::task::yield_now().await, // restart in progress
            Err(e) => return Err(e.into()),
        }
    };
    println!("alice's session is back, cart reloaded: {cart:?}");
    println!(
        "alice adds: {} item(s)",
        alice.add("gizmo x1".into()).await?
    );
    println!("bob was never disturbed: {:?}", bob.cart().await?);

    let counts = sessions.sup.count_children().await?;
    println!(
        "\nsupervisor: {} sessions, {} active, {} restart(s)",
        counts.specs, counts.active, counts.restarts
    );

    println!("\nbob logs out");
    assert!(sessions.close("bob").await?);
    let counts = sessions.sup.count_children().await?;
    println!("supervisor: {} session(s) left", counts.specs);
    assert_eq!(counts.specs, 1);
    assert!(SessionHandle::whereis(&sessions.names, &"bob".to_string()).is_none());

    println!("\nshutting down");
    sessions.sup.stop(ExitReason::Shutdown).await?;
    println!(
        "store after shutdown: {:?}",
        store.lock().map(|s| s.clone()).unwrap_or_default()
    );
    Ok(())
}
