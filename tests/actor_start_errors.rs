//! Typed start errors: the error `init` failed with (or a start hook refused with) reaches the
//! starter whole, as the `source()` of the `StartError`, and can be downcast to its type; a panic
//! is its own variant and keeps its message; the exit reason stays text.

use std::error::Error;
use std::fmt;
use std::io;

use beamish::prelude::*;
use tokio::sync::mpsc;

/// A user's own error type.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MyError {
    code: u32,
}

impl fmt::Display for MyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "failed with code {}", self.code)
    }
}

impl Error for MyError {}

/// `err` and its sources, outermost first.
fn chain<'a>(err: &'a (dyn Error + 'static)) -> Vec<&'a (dyn Error + 'static)> {
    std::iter::successors(Some(err), |&e| e.source()).collect()
}

/// How a `Typed` actor's init ends.
#[derive(Debug, Clone)]
enum Outcome {
    /// Fails with `MyError { code }`.
    Fail(u32),
    /// Sends its own handle (so that the test can watch it exit), then fails with the code.
    FailReporting(u32, mpsc::UnboundedSender<AnyActor>),
    /// Panics.
    Panic,
}

/// An `#[actor]` whose init fails with a `MyError`.
#[derive(Debug)]
struct Typed;

#[actor]
impl Typed {
    #[init]
    async fn init(outcome: Outcome, ctx: &mut Context<Self>) -> Result<Self, MyError> {
        match outcome {
            Outcome::Fail(code) => Err(MyError { code }),
            Outcome::FailReporting(code, report) => {
                let _ = report.send(ctx.actor_ref().to_any());
                Err(MyError { code })
            }
            Outcome::Panic => panic!("typed init exploded"),
        }
    }
}

// `#[init] -> Result<Self, MyError>`: the `MyError` is the start error's source, downcastable with
// its fields; `Display` still carries its message, and the exit reason is that message as text.
#[tokio::test]
async fn macro_init_error_is_the_source_and_downcasts() {
    let err = Typed::start(Outcome::Fail(7)).await.unwrap_err();
    assert!(matches!(err, StartError::Init(_)), "{err:?}");
    assert_eq!(err.to_string(), "init failed: failed with code 7");
    let source = err.source().expect("the init error is the source");
    assert_eq!(source.downcast_ref::<MyError>(), Some(&MyError { code: 7 }));
    // The variant's field is the same error, and a clone keeps it.
    let StartError::Init(init) = err.clone() else {
        unreachable!()
    };
    assert_eq!(init.downcast_ref::<MyError>(), Some(&MyError { code: 7 }));
    assert_eq!(init.to_string(), "failed with code 7");
    // The chain ends at the user's error: nothing is wrapped in between.
    assert_eq!(chain(&err).len(), 2);
}

/// Stands for reading a file that is not there.
fn read_config() -> io::Result<String> {
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        "config.toml not found",
    ))
}

/// A hand-written actor whose init fails with an `io::Error` through `InitError::new`, or with
/// `?` on one.
#[derive(Debug)]
struct Reader;

impl Actor for Reader {
    type Args = bool;
    type Message = ReplyTo<()>;

    async fn init(with_new: bool, _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        if with_new {
            read_config().map_err(InitError::new)?;
        } else {
            read_config()?;
        }
        Ok(Reader)
    }

    async fn handle(&mut self, reply: ReplyTo<()>, _ctx: &mut Context<Self>) {
        reply.send(());
    }
}

// A hand-written `impl Actor`: `InitError::new(io_error)` and `?` on an `io::Error` both keep it,
// so the starter finds its kind.
#[tokio::test]
async fn hand_written_init_error_keeps_the_io_error() {
    for with_new in [true, false] {
        let err = ActorRef::<Reader>::start(with_new).await.unwrap_err();
        assert_eq!(err.to_string(), "init failed: config.toml not found");
        let io = err
            .source()
            .and_then(|e| e.downcast_ref::<io::Error>())
            .expect("the source is the io::Error");
        assert_eq!(io.kind(), io::ErrorKind::NotFound);
    }
}

// The failed actor's exit reason stays text: `ExitReason::Error` with the error's message, as
// links and monitors see it.
#[tokio::test]
async fn the_exit_reason_of_a_failed_init_is_its_message() {
    let (report, mut reported) = mpsc::unbounded_channel();
    let err = Typed::start(Outcome::FailReporting(9, report))
        .await
        .unwrap_err();
    assert_eq!(
        err.source().and_then(|e| e.downcast_ref::<MyError>()),
        Some(&MyError { code: 9 })
    );
    let failed = reported.recv().await.expect("init sent its handle");
    assert_eq!(
        failed.wait().await,
        ExitReason::Error("failed with code 9".into())
    );
}

// A panicking init is `StartError::Panic` with the panic message, not an init error: it has no
// source to downcast, and it is told apart by its variant.
#[tokio::test]
async fn init_panic_is_told_apart_and_keeps_its_message() {
    let err = Typed::start(Outcome::Panic).await.unwrap_err();
    assert!(
        matches!(&err, StartError::Panic(message) if message == "typed init exploded"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "init panicked: typed init exploded");
    assert!(err.source().is_none());
}

/// Init errors as boxed errors made from a `String` or a `&'static str`.
#[derive(Debug)]
struct Texts;

#[actor]
impl Texts {
    #[init]
    async fn init(owned: bool) -> Result<Self, Box<dyn Error + Send + Sync>> {
        Err(if owned {
            format!("owned {}", "text").into()
        } else {
            "static text".into()
        })
    }
}

/// An init that fails with a `String`.
#[derive(Debug)]
struct Plain;

#[actor]
impl Plain {
    #[init]
    async fn init(owned: bool) -> Result<Self, String> {
        if owned {
            Err("plain owned".into())
        } else {
            Ok(Plain)
        }
    }
}

/// An init that fails with a `&'static str`.
#[derive(Debug)]
struct Literal;

#[actor]
impl Literal {
    #[init]
    async fn init() -> Result<Self, &'static str> {
        Err("a literal")
    }
}

// `String`, `&str` and boxed errors still work as init errors: the message is the `Display` and
// the source's text.
#[tokio::test]
async fn text_errors_still_work() {
    let err = Plain::start(true).await.unwrap_err();
    assert_eq!(err.to_string(), "init failed: plain owned");
    assert_eq!(err.source().unwrap().to_string(), "plain owned");
    assert!(Plain::start(false).await.is_ok());

    let err = Literal::start(()).await.unwrap_err();
    assert!(
        matches!(&err, StartError::Init(e) if e.to_string() == "a literal"),
        "{err:?}"
    );

    for (owned, text) in [(true, "owned text"), (false, "static text")] {
        let err = Texts::start(owned).await.unwrap_err();
        assert!(
            matches!(&err, StartError::Init(e) if e.to_string() == text),
            "{err:?}"
        );
        assert_eq!(err.source().unwrap().to_string(), text);
    }

    // Built by hand, from a message.
    let from_msg = InitError::msg(format_args!("code {}", 3));
    let from_str: InitError = "code 3".into();
    assert_eq!(from_msg.to_string(), from_str.to_string());
    assert!(!from_msg.is::<MyError>());
}

// A child of a `DynamicSupervisor` whose init fails: `start_child`'s error chain goes from the
// supervisor error through the start error down to the user's error.
#[tokio::test]
async fn dynamic_supervisor_start_child_chain_reaches_the_user_error() {
    let sup: DynamicSupervisor = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let err = sup
        .start_child(Typed::child_spec(Outcome::Fail(42)))
        .await
        .unwrap_err();
    let links = chain(&err);
    assert_eq!(links.len(), 3, "{links:?}");
    assert!(
        matches!(
            links[1].downcast_ref::<StartError>(),
            Some(StartError::Init(_))
        ),
        "{links:?}"
    );
    assert_eq!(
        links[2].downcast_ref::<MyError>(),
        Some(&MyError { code: 42 })
    );
    assert!(err.to_string().contains("failed with code 42"), "{err}");
    assert!(sup.is_alive());
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// A start hook that refuses with a typed error: `StartError::Refused`, whose source is that error;
// `init` does not run.
#[tokio::test]
async fn a_refusing_start_hook_keeps_its_error() {
    let options = StartOptions::new()
        .before_init(|| Err(StartError::Refused(InitError::new(MyError { code: 5 }))));
    let err = ActorRef::<Typed>::start_with(Outcome::Panic, options)
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::Refused(_)), "{err:?}");
    assert_eq!(err.to_string(), "start refused: failed with code 5");
    assert_eq!(
        err.source().and_then(|e| e.downcast_ref::<MyError>()),
        Some(&MyError { code: 5 })
    );
}
