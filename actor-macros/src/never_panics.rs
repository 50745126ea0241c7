//! Property tests: `#[actor]` answers every input with tokens — an expansion or compile errors —
//! and never panics.
//!
//! Two generators: impl blocks assembled from a grammar of the pieces users write (attribute
//! options, valid and invalid; handler attributes, receivers, arguments, returns, generics,
//! missing and repeated pieces), whose output must also parse back as Rust; and token soup made
//! by mutating a valid actor (tokens dropped, repeated, swapped, groups emptied), where only "no
//! panic" is asked, since the user's own broken tokens are echoed back.

use proc_macro2::{Group, TokenStream, TokenTree};
use proptest::prelude::*;
use proptest::sample::select;
use quote::quote;

use crate::expand::actor;

/// Runs the macro, turning a panic into a test failure that shows the input.
fn expand_without_panic(args: &TokenStream, item: &TokenStream) -> Result<TokenStream, String> {
    std::panic::catch_unwind(|| actor(args.clone(), item.clone()))
        .map_err(|_| format!("#[actor({args})] panicked on:\n{item}"))
}

/// Mostly what users write, sometimes not: `valid` nine times in ten.
fn mostly(
    valid: Vec<&'static str>,
    invalid: Vec<&'static str>,
) -> impl Strategy<Value = &'static str> {
    prop_oneof![9 => select(valid), 1 => select(invalid)]
}

fn option() -> impl Strategy<Value = &'static str> {
    mostly(
        vec![
            "restart = permanent",
            "restart = transient",
            "restart = temporary",
            "shutdown = \"5s\"",
            "shutdown = \"500ms\"",
            "shutdown = brutal_kill",
            "shutdown = infinity",
            "mailbox = 16",
            "vis = pub",
            "vis = pub(crate)",
        ],
        vec![
            "restart = permanent",
            "restart = transient",
            "restart = temporary",
            "restart = sometimes",
            "restart",
            "restart = \"transient\"",
            "shutdown = \"5s\"",
            "shutdown = \"500ms\"",
            "shutdown = \"1m\"",
            "shutdown = \"0s\"",
            "shutdown = \"18446744073709551615s\"",
            "shutdown = \"-1s\"",
            "shutdown = \"soon\"",
            "shutdown = brutal_kill",
            "shutdown = infinity",
            "shutdown = 5",
            "mailbox = 1",
            "mailbox = 1024",
            "mailbox = 0",
            "mailbox = -3",
            "mailbox = 99999999999999999999999",
            "mailbox = \"big\"",
            "crate = ::beamish",
            "crate = my::renamed",
            "crate = \"beamish\"",
            "vis = pub",
            "vis = pub(crate)",
            "vis = pub(super)",
            "vis = private",
            "debug",
            "= =",
            "restart = transient restart = temporary",
        ],
    )
}

fn handler_attr() -> impl Strategy<Value = &'static str> {
    mostly(
        vec!["#[call]", "#[cast]", "#[call(flatten)]"],
        vec![
            "#[init]",
            "#[call]",
            "#[call(flatten)]",
            "#[call(bogus)]",
            "#[cast]",
            "#[cast(flatten)]",
            "#[info]",
            "#[terminate]",
            "#[continuation]",
            "#[handler]",
            "#[init] #[call]",
            "#[cfg(test)] #[init]",
            "",
        ],
    )
}

fn receiver() -> impl Strategy<Value = &'static str> {
    mostly(
        vec!["&self", "&mut self"],
        vec![
            "",
            "&self",
            "&mut self",
            "self",
            "mut self",
            "self: Box<Self>",
            "&'a self",
        ],
    )
}

fn argument() -> impl Strategy<Value = &'static str> {
    mostly(
        vec![
            "n: i64",
            "_: u8",
            "text: String",
            "items: Vec<(u8, String)>",
        ],
        vec![
            "n: i64",
            "_: u8",
            "text: String",
            "items: Vec<(u8, String)>",
            "s: &str",
            "s: &'static str",
            "f: impl Fn()",
            "(a, b): (i32, i32)",
            "mut x: u32",
            "t: T",
            "ctx: &mut Context<Self>",
            "ctx: &mut beamish::Context<Self>",
            "info: Info",
            "reason: &ExitReason",
            "cont: Continuation",
            "reply: ReplyTo<u8>",
            "rc: std::rc::Rc<u8>",
            "x: dyn Send",
            "...",
        ],
    )
}

fn returns() -> impl Strategy<Value = &'static str> {
    mostly(
        vec!["", "-> i64", "-> Result<u8, MyError>", "-> String"],
        vec![
            "",
            "-> Self",
            "-> i64",
            "-> Result<Self, String>",
            "-> Result<i64, CallError>",
            "-> Result<u8, MyError>",
            "-> impl Send",
            "-> &str",
            "-> ()",
            "-> !",
            "-> T",
            "-> Option<Self>",
        ],
    )
}

fn generics() -> impl Strategy<Value = &'static str> {
    mostly(
        vec![""],
        vec![
            "<T>",
            "<T: Send + 'static>",
            "<'a>",
            "<const N: usize>",
            "<T = u8>",
        ],
    )
}

/// The `#[init]` handler, usually right, sometimes wrong or missing.
fn init() -> impl Strategy<Value = &'static str> {
    mostly(
        vec![
            "#[init] async fn init() -> Self { todo!() }",
            "#[init] async fn init(start: i64) -> Self { todo!() }",
            "#[init] async fn init(start: i64, ctx: &mut Context<Self>) -> Result<Self, String> { todo!() }",
        ],
        vec![
            "",
            "#[init] fn init() -> Self { todo!() }",
            "#[init] async fn init(&self) -> Self { todo!() }",
            "#[init] async fn init(a: u8, b: u8) -> Self { todo!() }",
            "#[init] async fn init() {}",
            "#[init] async fn init() -> Self { todo!() } #[init] async fn again() -> Self { todo!() }",
        ],
    )
}

/// One handler: attribute, asyncness, generics, receiver and arguments, return type.
fn handler(index: usize) -> impl Strategy<Value = String> {
    (
        handler_attr(),
        prop_oneof![9 => Just(true), 1 => Just(false)],
        generics(),
        receiver(),
        proptest::collection::vec(argument(), 0..4),
        returns(),
    )
        .prop_map(move |(attr, is_async, generics, receiver, args, ret)| {
            let asyncness = if is_async { "async " } else { "" };
            let generics = if attr.contains("init") || is_async {
                generics
            } else {
                ""
            };
            let mut params: Vec<&str> = Vec::new();
            if !receiver.is_empty() {
                params.push(receiver);
            }
            params.extend(args);
            format!(
                "{attr} {asyncness}fn h{index}{generics}({}) {ret} {{ todo!() }}",
                params.join(", ")
            )
        })
}

/// Other things an impl block can hold.
fn extra_item() -> impl Strategy<Value = &'static str> {
    mostly(
        vec!["", "fn helper(&self) -> u8 { 1 }"],
        vec![
            "const X: u8 = 1;",
            "type Alias = u8;",
            "fn helper(&self) -> u8 { 1 }",
            "macro_rules! m { () => {} }",
            "m!();",
            "#[init] const Y: u8 = 2;",
            "unsafe fn danger() {}",
        ],
    )
}

fn impl_block() -> impl Strategy<Value = String> {
    (
        generics(),
        mostly(vec!["Counter", "crate::Counter"], vec!["Stack<T>", "Counter<'a>", "[u8; 4]", "dyn Send"]),
        mostly(vec![""], vec!["where T: Send + 'static", "where Self: Sized"]),
        mostly(vec![""], vec!["unsafe ", "default "]),
        mostly(vec![""], vec!["Trait for "]),
        init(),
        proptest::collection::vec(0..6usize, 0..6),
        extra_item(),
    )
        .prop_flat_map(|(generics, ty, where_clause, qualifier, for_trait, init, slots, extra)| {
            let handlers: Vec<_> = slots.iter().enumerate().map(|(i, _)| handler(i)).collect();
            handlers.prop_map(move |handlers| {
                format!(
                    "{qualifier}impl{generics} {for_trait}{ty} {where_clause} {{ {init} {extra} {} }}",
                    handlers.join("\n")
                )
            })
        })
}

fn args() -> impl Strategy<Value = String> {
    proptest::collection::vec(option(), 0..3).prop_map(|options| options.join(", "))
}

/// A valid actor, the seed of the token mutations.
fn seed() -> TokenStream {
    quote! {
        impl Counter {
            #[init]
            async fn init(start: i64) -> Self { Counter { count: start } }
            #[call]
            async fn add(&mut self, n: i64) -> i64 { self.count += n; self.count }
            #[cast]
            async fn reset(&mut self) { self.count = 0 }
            #[info]
            async fn on_info(&mut self, info: Info, ctx: &mut Context<Self>) {}
            #[terminate]
            async fn terminate(&mut self, reason: &ExitReason) {}
        }
    }
}

/// One edit of a token tree: applied at every level, chosen by `choice`.
#[derive(Clone, Copy, Debug)]
enum Edit {
    Drop,
    Repeat,
    SwapWithNext,
    EmptyGroup,
    Keep,
}

fn mutate(stream: TokenStream, edits: &[(usize, Edit)], depth: usize) -> TokenStream {
    let mut trees: Vec<TokenTree> = stream.into_iter().collect();
    for &(at, edit) in edits {
        if trees.is_empty() {
            break;
        }
        let i = at % trees.len();
        match edit {
            Edit::Drop => {
                trees.remove(i);
            }
            Edit::Repeat => trees.insert(i, trees[i].clone()),
            Edit::SwapWithNext if i + 1 < trees.len() => trees.swap(i, i + 1),
            Edit::EmptyGroup => {
                if let TokenTree::Group(g) = &trees[i] {
                    trees[i] = TokenTree::Group(Group::new(g.delimiter(), TokenStream::new()));
                }
            }
            Edit::SwapWithNext | Edit::Keep => {}
        }
    }
    if depth < 3 {
        for tree in &mut trees {
            if let TokenTree::Group(g) = tree {
                let inner = mutate(g.stream(), &edits[edits.len() / 2..], depth + 1);
                let mut group = Group::new(g.delimiter(), inner);
                group.set_span(g.span());
                *tree = TokenTree::Group(group);
            }
        }
    }
    trees.into_iter().collect()
}

fn edit() -> impl Strategy<Value = Edit> {
    select(vec![
        Edit::Drop,
        Edit::Repeat,
        Edit::SwapWithNext,
        Edit::EmptyGroup,
        Edit::Keep,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    /// Generated impl blocks: tokens back, never a panic, and the output is Rust that parses.
    #[test]
    fn generated_impl_blocks_expand_or_error(args in args(), item in impl_block()) {
        let args: TokenStream = args.parse().map_err(|e| TestCaseError::reject(format!("{e}")))?;
        let item: TokenStream = item.parse().map_err(|e| TestCaseError::reject(format!("{e}")))?;
        let out = expand_without_panic(&args, &item).map_err(TestCaseError::fail)?;
        if syn::parse2::<syn::ItemImpl>(item.clone()).is_ok() {
            prop_assert!(
                syn::parse2::<syn::File>(out.clone()).is_ok(),
                "output does not parse for #[actor({})] {}:\n{}", args, item, out
            );
        }
    }

    /// Mutated token soup from a valid actor: tokens back, never a panic.
    #[test]
    fn mutated_tokens_never_panic(
        args in args(),
        edits in proptest::collection::vec((any::<usize>(), edit()), 1..8),
    ) {
        let args: TokenStream = args.parse().map_err(|e| TestCaseError::reject(format!("{e}")))?;
        let item = mutate(seed(), &edits, 0);
        expand_without_panic(&args, &item).map_err(TestCaseError::fail)?;
        let mutated_args = mutate(args.clone(), &edits, 0);
        expand_without_panic(&mutated_args, &seed()).map_err(TestCaseError::fail)?;
    }
}

/// The grammar generator reaches both sides of the macro: full expansions and compile errors
/// (a generator that only made errors would leave the expansion path unexercised).
#[test]
fn the_generator_reaches_expansions_and_errors() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut expanded, mut refused) = (0, 0);
    for _ in 0..1_000 {
        let args = args().new_tree(&mut runner).expect("args").current();
        let item = impl_block().new_tree(&mut runner).expect("item").current();
        let (Ok(args), Ok(item)) = (args.parse::<TokenStream>(), item.parse::<TokenStream>())
        else {
            continue;
        };
        if actor(args, item).to_string().contains("compile_error") {
            refused += 1;
        } else {
            expanded += 1;
        }
    }
    assert!(
        expanded >= 100 && refused >= 100,
        "{expanded} expanded, {refused} refused"
    );
}
