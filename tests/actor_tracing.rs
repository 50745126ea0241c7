//! Every actor runs inside a `tracing` span named `actor` carrying its id and type name: what a
//! handler logs, and the runtime's own "actor crashed" event, are attributed to that actor.
//!
//! A small recording subscriber (no `tracing-subscriber` needed) is installed for the current
//! thread, on a current-thread runtime, so every actor task is polled where it sees it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use beamish::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// One recorded event: its message and fields, and the spans it happened in (outermost first).
#[derive(Clone, Debug)]
struct Seen {
    fields: HashMap<String, String>,
    spans: Vec<(String, HashMap<String, String>)>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    spans: HashMap<u64, (String, HashMap<String, String>)>,
    /// The entered spans (one thread: the test's runtime is current-thread).
    stack: Vec<u64>,
    events: Vec<Seen>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<State>>);

impl Recorder {
    fn events(&self) -> Vec<Seen> {
        self.0.lock().expect("recorder lock").events.clone()
    }
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = HashMap::new();
        span.record(&mut Fields(&mut fields));
        let mut state = self.0.lock().expect("recorder lock");
        state.next_id += 1;
        let id = state.next_id;
        state
            .spans
            .insert(id, (span.metadata().name().to_owned(), fields));
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut state = self.0.lock().expect("recorder lock");
        if let Some((_, fields)) = state.spans.get_mut(&span.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        let mut state = self.0.lock().expect("recorder lock");
        let spans = state
            .stack
            .iter()
            .filter_map(|id| state.spans.get(id).cloned())
            .collect();
        state.events.push(Seen { fields, spans });
    }

    fn enter(&self, span: &Id) {
        self.0
            .lock()
            .expect("recorder lock")
            .stack
            .push(span.into_u64());
    }

    fn exit(&self, span: &Id) {
        let mut state = self.0.lock().expect("recorder lock");
        if let Some(at) = state.stack.iter().rposition(|id| *id == span.into_u64()) {
            state.stack.remove(at);
        }
    }
}

struct Greeter;

#[actor]
impl Greeter {
    #[init]
    async fn init() -> Self {
        Greeter
    }

    #[call]
    async fn greet(&self, name: String) -> usize {
        tracing::info!(%name, "greeting");
        name.len()
    }

    #[call]
    async fn fail(&self) {
        panic!("no more greetings");
    }
}

/// The innermost `actor` span an event happened in, if any.
fn actor_span(seen: &Seen) -> Option<&HashMap<String, String>> {
    seen.spans
        .iter()
        .rev()
        .find(|(name, _)| name == "actor")
        .map(|(_, fields)| fields)
}

#[test]
fn handler_events_and_crashes_are_inside_the_actors_span() {
    let recorder = Recorder::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (first, second) = tracing::subscriber::with_default(recorder.clone(), || {
        runtime.block_on(async {
            let first = Greeter::start(()).await.expect("start");
            let second = Greeter::start(()).await.expect("start");
            assert_eq!(first.greet("ada".into()).await, Ok(3));
            assert_eq!(second.greet("grace".into()).await, Ok(5));
            assert!(matches!(second.fail().await, Err(CallError::Exited(_))));
            assert!(matches!(second.wait().await, ExitReason::Panic(_)));
            (first.id(), second.id())
        })
    });
    let events = recorder.events();

    let greeting = |name: &str| {
        events
            .iter()
            .find(|e| e.fields.get("name").map(String::as_str) == Some(name))
            .unwrap_or_else(|| panic!("no greeting event for {name}: {events:?}"))
    };
    for (name, id) in [("ada", first), ("grace", second)] {
        let span = actor_span(greeting(name)).expect("the handler's event is in an actor span");
        assert_eq!(
            span.get("id"),
            Some(&id.to_string()),
            "span of {name}'s greeter"
        );
        let type_name = span.get("actor").expect("the span names the actor type");
        assert!(type_name.contains("Greeter"), "actor field: {type_name}");
    }

    let crash = events
        .iter()
        .find(|e| {
            e.fields
                .get("message")
                .is_some_and(|m| m.contains("actor crashed"))
        })
        .unwrap_or_else(|| panic!("no crash event: {events:?}"));
    let span = actor_span(crash).expect("the crash is reported inside the actor's span");
    assert_eq!(span.get("id"), Some(&second.to_string()));
    assert!(
        crash
            .fields
            .get("reason")
            .is_some_and(|r| r.contains("no more greetings")),
        "crash event fields: {:?}",
        crash.fields
    );
}
