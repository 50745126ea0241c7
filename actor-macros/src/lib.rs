//! The `#[actor]` attribute of [beamish](https://docs.rs/beamish). Use it through the facade:
//! `use beamish::prelude::*;`.
//!
//! The macro is a staged pipeline: `args` parses the options, `parse` turns the `impl`
//! block into a model, `check` validates every rule (all errors at once, each at its tokens),
//! `expand` generates code from the model only; `fallback` re-emits the user's code with the
//! errors when anything is wrong. The macro reads nothing but its tokens.

mod args;
mod check;
mod errors;
mod expand;
mod fallback;
mod model;
#[cfg(test)]
mod never_panics;
mod never_waits;
mod parse;
mod paths;

use proc_macro::TokenStream;

/// Turns an `impl` block into an actor: a message enum, a typed handle with one method per
/// handler, start / link / via-name functions and child specs.
///
/// # Example
///
/// ```
/// use beamish::prelude::*;
///
/// struct Counter {
///     count: i64,
/// }
///
/// #[actor(restart = transient, shutdown = "5s")]
/// impl Counter {
///     /// Runs inside the new actor before `start` returns.
///     #[init]
///     async fn init(start: i64) -> Self {
///         Counter { count: start }
///     }
///
///     /// Adds `n`, returns the new count.
///     #[call]
///     async fn add(&mut self, n: i64) -> i64 {
///         self.count += n;
///         self.count
///     }
///
///     /// The count.
///     #[call]
///     async fn get(&self) -> i64 {
///         self.count
///     }
///
///     /// Back to zero; nobody waits for it.
///     #[cast]
///     async fn reset(&mut self) {
///         self.count = 0;
///     }
///
///     /// Monitor `Down`s, trapped exits, timers.
///     #[info]
///     async fn on_info(&mut self, info: Info, ctx: &mut Context<Self>) {
///         let _ = (info, ctx);
///     }
///
///     /// Runs when the actor stops, with the reason.
///     #[terminate]
///     async fn terminate(&mut self, reason: &ExitReason) {
///         let _ = reason;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = Counter::start(10).await?;
/// assert_eq!(counter.add(5).await?, 15);
/// counter.reset()?;
/// assert_eq!(counter.get().await?, 0);
/// counter.stop(ExitReason::Normal).await?;
/// assert_eq!(counter.get().await, Err(CallError::NoProc));
/// # Ok(())
/// # }
/// ```
///
/// # Options
///
/// `#[actor(restart = …, shutdown = …, mailbox = N, overflow = …, crate = path, vis = …)]`, all
/// optional:
///
/// | option | values | default | effect |
/// |---|---|---|---|
/// | `restart` | `permanent`, `transient`, `temporary` | `permanent` | the child specs' restart policy |
/// | `shutdown` | `"500ms"`, `"5s"`, `"1m"`, `brutal_kill`, `infinity` | 5 s | the child specs' shutdown mode |
/// | `mailbox` | a positive integer | unbounded | bounds the mailbox: casts become `async` and wait for room, and gain `try_` variants |
/// | `overflow` | `wait`, `reject`, `drop_newest`, `drop_oldest`, `stop` | `wait` | what a full bounded mailbox does (`Overflow`); needs `mailbox`. Under any policy but `wait`, casts stay plain functions that never wait |
/// | `debug_state` | (a flag) | off | `beamish::sys::get_state` (and the observer) may read the state, as `{:#?}`: the type must be `Debug` |
/// | `crate` | a path | `::beamish` | where generated code finds the runtime, for a renamed dependency |
/// | `vis` | a visibility | `pub(crate)` | the visibility of every generated item (see below) |
///
/// An unknown or repeated option, or a bad value, is a compile error at that option.
///
/// Every generated item — the message enum, the handle, the named handle, the start functions,
/// `via` and the child specs — is `pub(crate)` unless `vis = …` says otherwise, whatever the
/// struct's own visibility: an attribute on an `impl` block is not shown the struct, and a wider
/// default would put handles into a library's API unasked. A `pub struct` in a private module,
/// or a private one, needs nothing more.
///
/// An actor type that other crates can reach (a `pub struct` at the crate root or re-exported,
/// also in a binary or a doctest) needs a decision: `vis = pub` exports the generated items with
/// it, `vis = pub(crate)` keeps them in the crate. Without either, the build fails at the
/// attribute with rustc's `private_interfaces` lint, which the macro raises to `deny` on a hidden
/// method of the actor type so that it fires exactly when the type is reachable from outside
/// (writing `vis` is the way to settle it; `allow(private_interfaces)` is not):
///
/// ```text
/// error: type `CounterHandle` is more private than the item `Counter::__beamish_write_actor_vis_pub`
///   |
/// 9 | #[actor]
///   | ^^^^^^^^ associated function `Counter::__beamish_write_actor_vis_pub` is reachable at visibility `pub`
///   |
///   = note: `Counter` is reachable from outside this crate, but the items `#[actor]` generates for
///           it (its handle, messages, `start`, …) are `pub(crate)`: write `#[actor(vis = pub)]` to
///           export them with it, or `#[actor(vis = pub(crate))]` to keep them in this crate
/// ```
///
/// (The note is one line in rustc's output.)
///
/// # What is generated
///
/// For `Counter` above (abridged: docs, `#[automatically_derived]`, hidden items and the other
/// `const _` wrappers left out; `rt` stands for `::beamish::__private`; every `pub(crate)` is
/// `vis`):
///
/// ```text
/// pub(crate) type CounterMessage = <Counter as rt::Actor>::Message;  // names the enum below
/// const _: () = {
///     pub enum CounterMessage {          // `pub` for rustc's E0446, but no path reaches it
///         Add(i64, rt::ReplyTo<i64>),   // #[call]: the reply channel travels with the message
///         Get(rt::ReplyTo<i64>),
///         Reset(),                       // #[cast]
///     }
///     impl Debug for CounterMessage { … }   // prints the variant name only
///     impl rt::Actor for Counter { type Message = CounterMessage; … }   // below
/// };
///
/// pub(crate) struct CounterHandle { inner: rt::ActorRef<Counter> }
/// impl CounterHandle {
///     pub(crate) async fn add(&self, n: i64) -> Result<i64, CallError>;   // one per #[call]
///     pub(crate) async fn get(&self) -> Result<i64, CallError>;
///     pub(crate) fn reset(&self) -> Result<(), SendError>;                // one per #[cast]
///     pub(crate) fn with_timeout(&self, timeout: Duration) -> Self;       // per-call timeout, default 5 s
///     pub(crate) fn actor_ref(&self) -> &ActorRef<Counter>;
/// }
/// // The lifecycle — id, is_alive, exit_reason, stop (waits for terminate), kill, exit, wait,
/// // monitor, link, unlink, to_any — is `ActorHandle`'s, through its one accessor:
/// impl rt::ActorHandle for CounterHandle { fn view(&self) -> ActorView<'_> { self.inner.view() } }
/// // and FromAnyActor (so `CounterHandle::whereis(&registry, "key")`, from `Whereis`),
/// // From<ActorRef<Counter>>, Clone, Debug, PartialEq, Eq, Hash (by actor id)
///
/// pub(crate) struct CounterNamed { inner: rt::Named<Counter> }   // a handle by registry key
/// impl CounterNamed {
///     pub(crate) async fn add(&self, n: i64) -> Result<i64, CallError>;   // resolves the key, then calls
///     pub(crate) async fn get(&self) -> Result<i64, CallError>;
///     pub(crate) fn reset(&self) -> Result<(), SendError>;
///     pub(crate) fn resolve(&self) -> Option<CounterHandle>;
///     pub(crate) fn with_timeout(&self, timeout: Duration) -> Self;
/// }
///
/// impl rt::Actor for Counter {
///     type Args = i64;                   // init's argument, `()` if it takes none
///     type Message = CounterMessage;
///     async fn init(args: i64, ctx: &mut Context<Self>) -> Result<Self, InitError> {
///         <_ as rt::InitResult<Self>>::into_init(Counter::init(args).await)
///     }
///     async fn handle(&mut self, msg: CounterMessage, ctx: &mut Context<Self>) {
///         match msg {
///             CounterMessage::Add(a0, reply) => { let v = Counter::add(self, a0).await; ctx.reply(reply, v); }
///             CounterMessage::Get(reply) => { let v = Counter::get(self).await; ctx.reply(reply, v); }
///             CounterMessage::Reset() => Counter::reset(self).await,
///         }
///     }
///     async fn handle_info(&mut self, info: Info, ctx: &mut Context<Self>) { Counter::on_info(self, info, ctx).await }
///     // and, for a `#[continuation]` handler (Counter has none):
///     // async fn handle_continue(&mut self, cont: Continuation, ctx: &mut Context<Self>) { … }
///     async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Context<Self>) { Counter::terminate(self, reason).await }
/// }
///
/// // The start functions are `Start`'s default methods, for these handle types:
/// impl rt::Start<CounterHandle, CounterNamed> for Counter {
///     const RESTART: Restart = Restart::Transient;          // from `restart`
///     const SHUTDOWN: Option<Shutdown> = Some(Shutdown::Timeout(5 s));   // from `shutdown`
/// }
/// // so, with the prelude in scope:
/// //   Counter::start(args: i64) -> Result<CounterHandle, StartError>
/// //   Counter::start_link(args), Counter::start_with(args, options)
/// //   Counter::start_via(&registry, key, args), Counter::start_link_via(&registry, key, args)
/// //   Counter::via(&registry, key) -> CounterNamed
/// //   Counter::child_spec(args) -> ChildSpec<CounterHandle>, Counter::child_spec_via(&registry, key, args)
/// ```
///
/// The handles are `Start`'s parameters, not associated types, so that `impl Start` never makes a
/// `pub(crate)` handle part of a public actor type's interface. `Start` is implemented for the
/// actor type itself, so code that can name the type can start it; `vis` governs the handle,
/// the messages and the named handle.
///
/// With `vis = pub`, `CounterMessage` is a plain `pub enum` next to the handle; with any other
/// visibility it is the alias above, through which variants are built and matched as usual.
/// Rustc requires the type an `Actor` impl names as its `Message` to be declared at least as
/// visible as the actor type (E0446, by declared visibility: a `pub struct` in a private module
/// counts as public), hence the enum declared `pub` where nothing can reach it.
///
/// Two kinds of hidden items exist only for their errors: one function per `Send` requirement
/// (the actor type, each argument and reply type), first in the output so that rustc reports a
/// non-`Send` type at that type before anything else, and, when `vis` is not written, the method
/// behind the `vis = pub` error above.
///
/// The handlers stay ordinary methods of `Counter`. With `mailbox = N`, `reset` becomes
/// `async fn reset(&self) -> Result<(), SendError>` (waits for room) and
/// `fn try_reset(&self) -> Result<(), TrySendError<CounterMessage>>` is added. With
/// `mailbox = N, overflow = reject` (or any policy but `wait`) `reset` stays
/// `fn reset(&self) -> Result<(), SendError>` and the policy answers when the mailbox is full.
///
/// # Handler rules
///
/// - Every handler is an `async fn`. Handler methods cannot be generic: put type parameters on
///   the `impl` (`impl<T: Send + 'static> Stack<T>`), where-clauses included.
/// - `#[init]` (exactly one, or one per `#[cfg]`) takes no `self` and at most one argument besides `ctx` — the value
///   passed to `start` (a tuple or struct when several are needed; none means `start(())`). It
///   returns `Self`, or `Result<Self, E>` where `E` converts into `InitError`: any
///   `std::error::Error + Send + Sync + 'static`, `String`, `&str`, `Box<dyn Error + Send + Sync>`
///   or `InitError`. An `Err` fails the start with `StartError::Init`, whose `source()` is the
///   error (downcast it to its type); the actor exits with `ExitReason::Error` and its message.
/// - `#[call]` and `#[cast]` take `&self` or `&mut self` and any number of owned, `Send`
///   arguments, each a plain name or `_` (`n: u32`; not a pattern, a borrowed reference —
///   `&'static` ones are fine — or `impl Trait`). A call returns any `Send`, nameable value
///   (plain, `Result`, `()`, not `impl Trait`); a cast returns nothing. Handlers are not
///   `unsafe fn`.
/// - A `#[call]` may defer its reply: take a `ReplyTo<T>` argument, return nothing, and answer
///   later with `reply.send(value)` or `ctx.reply(reply, value)` (GenServer's `reply/2`).
/// - A `#[call]` that cannot wait — its body has no `.await` and calls no macro but std's and
///   `tracing`'s formatting, assertion and compile-time ones — and takes no `ctx` runs *inline*
///   when its actor is idle: in the caller's task, with the actor's state lent to it, in the
///   order and with the outcome of a call the actor's task handles, but without the two task
///   switches (see `Actor::handle_inline`). Being synchronous it cannot be cut short by the
///   call's timeout; a handler that computes for long and must stay on the actor's task takes
///   `ctx`.
/// - A handler other than `#[init]` that cannot wait (as above, `ctx` allowed) and carries no
///   attribute but docs, `#[cfg]`, lint levels, `#[inline]` and `#[must_use]` runs as a plain function:
///   its body moves into a hidden `fn` without `async`, which the actor's task calls directly,
///   and the method keeps its signature and calls it. Nothing changes for the handler, except
///   that it costs less: no future is built for it, and a panic in it unwinds through one frame
///   fewer (a panicking `async fn` stops at its future's landing pad and is resumed from there).
///   A handler with another attribute (`#[tracing::instrument]`) stays as written.
/// - A `#[call]` whose answer is `Result<T, E>` gives a handle method returning
///   `Result<Result<T, E>, CallError>`. Mark it `#[call(flatten)]` and, if `E: From<CallError>`,
///   the method returns `Result<T, E>`: a failed call (timeout, dead actor) becomes an `E`, and
///   `?` works on both at once. Chosen over a second `try_x` method so the handler opts in where
///   it is declared and the bound is checked at its return type:
///
/// ```
/// use beamish::prelude::*;
///
/// #[derive(Debug, PartialEq)]
/// enum BankError {
///     Insufficient,
///     Unavailable(CallError),
/// }
///
/// impl From<CallError> for BankError {
///     fn from(e: CallError) -> Self {
///         BankError::Unavailable(e)
///     }
/// }
///
/// struct Account {
///     balance: u64,
/// }
///
/// #[actor]
/// impl Account {
///     #[init]
///     async fn init(balance: u64) -> Self {
///         Account { balance }
///     }
///
///     #[call(flatten)]
///     async fn withdraw(&mut self, amount: u64) -> Result<u64, BankError> {
///         self.balance = self.balance.checked_sub(amount).ok_or(BankError::Insufficient)?;
///         Ok(self.balance)
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let account = Account::start(10).await.unwrap();
/// assert_eq!(account.withdraw(4).await, Ok(6));                 // not Ok(Ok(6))
/// assert_eq!(account.withdraw(9).await, Err(BankError::Insufficient));
/// account.stop(ExitReason::Normal).await.unwrap();
/// assert_eq!(account.withdraw(1).await, Err(BankError::Unavailable(CallError::NoProc)));
/// # }
/// ```
/// - `#[info]` (at most one, or one per `#[cfg]`) takes the [`Info`](https://docs.rs/beamish/latest/beamish/enum.Info.html);
///   `#[terminate]` (likewise) takes `&ExitReason`.
/// - `#[continuation]` (likewise) takes the
///   [`Continuation`](https://docs.rs/beamish/latest/beamish/struct.Continuation.html) by value
///   and becomes `Actor::handle_continue`: it runs what `ctx.continue_with(value)` asked for,
///   right after the callback that asked (`#[init]` included), before the next message. (The
///   attribute cannot be `#[continue]`, a keyword.)
///
/// ```
/// use beamish::prelude::*;
///
/// struct Warm(u32);
///
/// struct Cache {
///     entries: u32,
/// }
///
/// #[actor]
/// impl Cache {
///     #[init]
///     async fn init(size: u32, ctx: &mut Context<Self>) -> Self {
///         ctx.continue_with(Warm(size)); // `start` returns now; warming follows
///         Cache { entries: 0 }
///     }
///
///     #[continuation]
///     async fn warm(&mut self, cont: Continuation) {
///         if let Ok(Warm(n)) = cont.downcast::<Warm>() {
///             self.entries = n;
///         }
///     }
///
///     #[call]
///     async fn entries(&self) -> u32 {
///         self.entries
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let cache = Cache::start(3).await.unwrap();
/// assert_eq!(cache.entries().await, Ok(3)); // handled after the continuation
/// # }
/// ```
/// - Any handler may take `ctx: &mut Context<Self>`, anywhere in its argument list.
/// - `///` docs and `#[cfg]`s on a handler are carried to its message variant and handle
///   methods; `#[init]`, `#[info]`, `#[continuation]` and `#[terminate]` may come once per
///   `#[cfg]` (one per platform or feature).
/// - A handler cannot be named like a generated method (`with_timeout`, `actor_ref`, …, and `try_x`
///   next to a cast `x` when the mailbox is bounded), and two handlers cannot make the same
///   variant (`get` and `get_` both make `Get`).
///
/// # Limitations
///
/// - The generated items do not follow the struct's visibility, which the macro cannot see: they
///   are `pub(crate)` or `vis`, and an exported struct without `vis` is an error (see Options).
/// - Unless `vis = pub`, `CounterMessage` is a type alias (see What is generated): its variants
///   are built and matched through it, but cannot be imported with `use CounterMessage::*`, and it
///   takes no inherent `impl` (trait impls are fine).
/// - `&self` handlers are compiled as `&mut self`, so that an actor only needs to be `Send`, not
///   `Sync` (its state lives in one task). Calling such a method from outside through a shared
///   reference is therefore not possible.
/// - Lifetime parameters on the actor are refused: actors own their state.
/// - The macro runs before `#[cfg]`s are evaluated, so every handler is checked, enabled or not.
///   Several `#[init]`s (or `#[info]`s, `#[continuation]`s, `#[terminate]`s) are accepted when each has a `#[cfg]`;
///   whether those exclude each other is left to rustc, which reports two enabled at once as
///   duplicate `Actor` items at the attribute. With several `#[init]`s, `start` takes
///   `<Self as Actor>::Args`.
/// - A non-`Send` actor, argument or reply type is reported first at that type (the actor's at
///   the type in `impl Counter`), followed by the same problem seen from the generated code.
#[proc_macro_attribute]
pub fn actor(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::actor(args.into(), item.into()).into()
}
