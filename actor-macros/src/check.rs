//! Validation: the rules every handler must follow, one `check_*` function each. Runs on the
//! model after parsing and before any code is generated; every violation is reported, each at its
//! own tokens.

use quote::ToTokens;

use crate::errors::Errors;
use crate::model::{ActorDef, Arg, Handler, HandlerKind, ReceiverForm};

/// Methods every generated handle has (its own, and `ActorHandle`'s and `Whereis`'s, which a
/// handler method of that name would shadow); a handler with one of these names would collide.
const HANDLE_METHODS: &[&str] = &[
    "id",
    "is_alive",
    "exit_reason",
    "with_timeout",
    "stop",
    "kill",
    "wait",
    "monitor",
    "link",
    "actor_ref",
    "to_any",
    "whereis",
    "exit",
    "unlink",
    "view",
    "type_name",
    "resolve",
    "clone",
    "from",
    "from_any",
];

/// `Start`'s functions on the actor type, which a handler (an inherent method) would shadow.
const ACTOR_FNS: &[&str] = &[
    "start",
    "start_link",
    "start_via",
    "start_link_via",
    "start_with",
    "via",
    "child_spec",
    "child_spec_via",
    "child_spec_once",
];

/// Runs every check.
pub(crate) fn all(def: &ActorDef, bounded: bool, errors: &mut Errors) {
    check_impl_generics(def, errors);
    check_singletons(def, errors);
    check_variant_names(def, errors);
    if bounded {
        check_try_names(def, errors);
    }
    for handler in &def.handlers {
        check_safe(handler, errors);
        check_async(handler, errors);
        check_not_generic(handler, errors);
        check_receiver(handler, errors);
        check_args(handler, errors);
        check_output(handler, errors);
        check_name(handler, errors);
    }
}

fn check_impl_generics(def: &ActorDef, errors: &mut Errors) {
    for lifetime in def.item.generics.lifetimes() {
        errors.push_spanned(
            lifetime,
            "actors own their state and live in their own task: lifetime parameters are not supported",
        );
    }
}

/// One `#[init]`, at most one `#[info]`, `#[continuation]` and `#[terminate]` (per `#[cfg]`).
fn check_singletons(def: &ActorDef, errors: &mut Errors) {
    if def.one(HandlerKind::Init).is_none() {
        errors.push_spanned(
            &def.item.self_ty,
            "missing `#[init]` handler; add `#[init] async fn init(args: T) -> Self` to build the actor",
        );
    }
    // Several are fine when each is under a `#[cfg]` (one per target or feature); if two of them
    // are enabled at once, rustc reports the duplicate `Actor` items.
    for kind in [
        HandlerKind::Init,
        HandlerKind::Info,
        HandlerKind::Continue,
        HandlerKind::Terminate,
    ] {
        if def.of(kind).all(|h| !h.cfgs.is_empty()) {
            continue;
        }
        for extra in def.of(kind).skip(1) {
            errors.push_spanned(
                &extra.attr,
                format!(
                    "duplicate `#[{}]` handler; several are allowed only when each has a `#[cfg]`",
                    kind.name()
                ),
            );
        }
    }
}

fn check_async(h: &Handler, errors: &mut Errors) {
    if h.sig.asyncness.is_none() {
        errors.push_spanned(
            h.sig.fn_token,
            format!("`#[{}]` handler must be an `async fn`", h.kind.name()),
        );
    }
}

fn check_not_generic(h: &Handler, errors: &mut Errors) {
    if !h.sig.generics.params.is_empty() || h.sig.generics.where_clause.is_some() {
        errors.push_spanned(
            &h.sig.generics,
            "handlers cannot be generic: every message has one type; put type parameters on the actor's `impl` instead",
        );
    }
}

fn check_receiver(h: &Handler, errors: &mut Errors) {
    let name = h.kind.name();
    match (h.kind, &h.receiver) {
        (HandlerKind::Init, ReceiverForm::None) => {}
        (HandlerKind::Init, _) => errors.push_spanned(
            receiver_tokens(h),
            "`#[init]` builds the actor, so it takes no `self`",
        ),
        (_, ReceiverForm::Shared | ReceiverForm::Mut) => {}
        (_, ReceiverForm::None) => errors.push_spanned(
            &h.sig.ident,
            format!("`#[{name}]` handler must take `&self` or `&mut self`"),
        ),
        (_, ReceiverForm::Value) => errors.push_spanned(
            receiver_tokens(h),
            format!(
                "`#[{name}]` handler must take `&self` or `&mut self`: the actor keeps its state between messages"
            ),
        ),
        (_, ReceiverForm::Typed) => errors.push_spanned(
            receiver_tokens(h),
            format!("`#[{name}]` handler must take `&self` or `&mut self`, written in that short form"),
        ),
    }
}

fn receiver_tokens(h: &Handler) -> proc_macro2::TokenStream {
    h.sig
        .inputs
        .first()
        .map_or_else(|| h.sig.ident.to_token_stream(), ToTokens::to_token_stream)
}

fn check_args(h: &Handler, errors: &mut Errors) {
    let name = h.kind.name();
    let mut ctx_seen = false;
    let mut reply_seen = false;
    let mut values = 0;
    for (arg, input) in h.args.iter().zip(typed_inputs(h)) {
        match arg {
            Arg::Ctx => {
                if ctx_seen {
                    errors.push_spanned(input, "`ctx: &mut Context<Self>` is taken once");
                }
                ctx_seen = true;
            }
            Arg::Reply { .. } => {
                if h.kind != HandlerKind::Call {
                    errors.push_spanned(
                        input,
                        format!("`#[{name}]` handler cannot take a `ReplyTo`: only `#[call]` handlers reply"),
                    );
                } else if reply_seen {
                    errors.push_spanned(
                        input,
                        "a `#[call]` handler replies once: take one `ReplyTo`",
                    );
                }
                reply_seen = true;
            }
            Arg::Value { ty, .. } => {
                values += 1;
                check_value_type(h, ty, errors);
                let limit = match h.kind {
                    HandlerKind::Init => Some((
                        1,
                        "`#[init]` takes at most one argument besides `ctx`; pass a tuple or a struct",
                    )),
                    HandlerKind::Info => {
                        Some((1, "`#[info]` takes one argument, the `Info`, besides `ctx`"))
                    }
                    HandlerKind::Continue => Some((
                        1,
                        "`#[continuation]` takes one argument, the `Continuation`, besides `ctx`",
                    )),
                    HandlerKind::Terminate => Some((
                        1,
                        "`#[terminate]` takes one argument, the `&ExitReason`, besides `ctx`",
                    )),
                    HandlerKind::Call | HandlerKind::Cast => None,
                };
                if let Some((max, message)) = limit
                    && values > max
                {
                    errors.push_spanned(input, message);
                }
            }
        }
    }
    let missing = match h.kind {
        HandlerKind::Info if values == 0 => Some("`#[info]` takes the `Info`: `info: Info`"),
        HandlerKind::Continue if values == 0 => {
            Some("`#[continuation]` takes the `Continuation`: `cont: Continuation`")
        }
        HandlerKind::Terminate if values == 0 => {
            Some("`#[terminate]` takes the exit reason: `reason: &ExitReason`")
        }
        _ => None,
    };
    if let Some(message) = missing {
        errors.push_spanned(&h.sig.ident, message);
    }
}

fn typed_inputs(h: &Handler) -> impl Iterator<Item = &syn::PatType> {
    h.sig.inputs.iter().filter_map(|i| match i {
        syn::FnArg::Typed(t) => Some(t),
        syn::FnArg::Receiver(_) => None,
    })
}

/// Message fields are owned (or `'static`), `Send` values: no borrowed references, no
/// `impl Trait`. `#[info]` takes the `Info` by value, `#[continuation]` the `Continuation`,
/// `#[terminate]` borrows the reason.
fn check_value_type(h: &Handler, ty: &syn::Type, errors: &mut Errors) {
    match (h.kind, ty) {
        (HandlerKind::Info, syn::Type::Reference(r)) => {
            errors.push_spanned(r, "`#[info]` takes the `Info` by value: `info: Info`");
        }
        (HandlerKind::Continue, syn::Type::Reference(r)) => {
            errors.push_spanned(
                r,
                "`#[continuation]` takes the `Continuation` by value: `cont: Continuation`",
            );
        }
        (HandlerKind::Terminate, syn::Type::Reference(_))
        | (HandlerKind::Info | HandlerKind::Continue, _) => {}
        (HandlerKind::Terminate, other) => errors.push_spanned(
            other,
            "`#[terminate]` borrows the exit reason: `reason: &ExitReason`",
        ),
        (_, syn::Type::Reference(r))
            if r.lifetime.as_ref().is_none_or(|l| l.ident != "static") =>
        {
            errors.push_spanned(
                r,
                "handler arguments must be owned values (messages travel to the actor's task); take an owned type such as `String` instead of a reference",
            );
        }
        (_, syn::Type::ImplTrait(t)) => errors.push_spanned(
            t,
            "`impl Trait` is not allowed in handler arguments: every message has one type; use a concrete type, or a type parameter on the actor's `impl`",
        ),
        _ => {}
    }
}

/// `unsafe fn` handlers cannot be called safely from the generated dispatch.
fn check_safe(h: &Handler, errors: &mut Errors) {
    if let syn::Safety::Unsafe(token) = &h.sig.safety {
        errors.push_spanned(
            token,
            "handlers cannot be `unsafe fn`: the generated dispatch calls them from safe code",
        );
    }
}

/// Two handlers must not make the same message variant (`get` and `get_` both make `Get`).
fn check_variant_names(def: &ActorDef, errors: &mut Errors) {
    let mut seen: Vec<(String, &syn::Ident)> = Vec::new();
    for h in def.messages() {
        let variant = h.variant_name();
        if let Some((_, first)) = seen.iter().find(|(v, _)| *v == variant) {
            errors.push_spanned(
                h.ident(),
                format!(
                    "handlers `{first}` and `{}` both make the message variant `{variant}`; rename one",
                    h.ident()
                ),
            );
        } else {
            seen.push((variant, h.ident()));
        }
    }
}

/// With a bounded mailbox every cast `x` also gets a `try_x` method.
fn check_try_names(def: &ActorDef, errors: &mut Errors) {
    for cast in def.of(HandlerKind::Cast) {
        let try_name = format!("try_{}", cast.ident());
        if let Some(other) = def.messages().find(|h| h.ident() == try_name.as_str()) {
            errors.push_spanned(
                other.ident(),
                format!(
                    "with a bounded mailbox the cast `{}` gets a generated `{try_name}`, which this handler's name would clash with; rename it",
                    cast.ident()
                ),
            );
        }
    }
}

fn check_output(h: &Handler, errors: &mut Errors) {
    let syn::ReturnType::Type(_, ty) = &h.sig.output else {
        if h.kind == HandlerKind::Init {
            errors.push_spanned(
                &h.sig.ident,
                "`#[init]` must return the actor: `-> Self` or `-> Result<Self, E>`",
            );
        }
        return;
    };
    let unit = matches!(&**ty, syn::Type::Tuple(t) if t.elems.is_empty());
    match h.kind {
        HandlerKind::Cast | HandlerKind::Info | HandlerKind::Continue | HandlerKind::Terminate
            if !unit =>
        {
            let hint = if h.kind == HandlerKind::Cast {
                "; use `#[call]` to answer the sender"
            } else {
                ""
            };
            errors.push_spanned(
                ty,
                format!("`#[{}]` handler cannot return a value{hint}", h.kind.name()),
            );
        }
        HandlerKind::Call if matches!(&**ty, syn::Type::ImplTrait(_)) => errors.push_spanned(
            ty,
            "a `#[call]` answer travels back in a message, so it needs a nameable type, not `impl Trait`",
        ),
        HandlerKind::Call if !unit && h.deferred_reply().is_some() => errors.push_spanned(
            ty,
            "a `#[call]` handler that takes a `ReplyTo` answers through it and returns nothing",
        ),
        _ => {}
    }
}

fn check_name(h: &Handler, errors: &mut Errors) {
    let name = h.ident().to_string();
    let clash = match h.kind {
        HandlerKind::Call | HandlerKind::Cast => {
            HANDLE_METHODS.contains(&name.as_str()) || ACTOR_FNS.contains(&name.as_str())
        }
        _ => ACTOR_FNS.contains(&name.as_str()),
    };
    if clash {
        errors.push_spanned(
            h.ident(),
            format!("a handler named `{name}` would clash with the generated `{name}`; rename it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn messages(item: syn::ItemImpl) -> Vec<String> {
        let mut errors = Errors::new();
        if let Some(def) = crate::parse::actor_def(item, &mut errors) {
            all(&def, false, &mut errors);
        }
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_good_actor_passes() {
        let found = messages(parse_quote! {
            impl C {
                #[init] async fn init() -> Self { C }
                #[call] async fn get(&self, ctx: &mut Context<Self>) -> u8 { 0 }
                #[call] async fn later(&mut self, r: ReplyTo<u8>) {}
                #[cast] async fn set(&mut self, v: u8) {}
                #[info] async fn info(&mut self, i: Info) {}
                #[continuation] async fn resume(&mut self, c: Continuation) {}
                #[terminate] async fn end(&mut self, r: &ExitReason) {}
            }
        });
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn every_violation_is_reported() {
        let found = messages(parse_quote! {
            impl C {
                #[call] fn sync(&self) -> u8 { 0 }
                #[call] async fn no_self() -> u8 { 0 }
                #[cast] async fn by_value(self) {}
                #[cast] async fn answers(&mut self) -> u8 { 0 }
                #[cast] async fn borrowed(&mut self, s: &str) {}
                #[call] async fn generic<T>(&self, t: T) {}
                #[call] async fn stop(&self) {}
                #[continuation] async fn resume(&mut self) {}
            }
        });
        let expected = [
            "missing `#[init]`",
            "must be an `async fn`",
            "`#[call]` handler must take `&self` or `&mut self`",
            "`#[cast]` handler must take `&self` or `&mut self`",
            "cannot return a value",
            "must be owned values",
            "cannot be generic",
            "clash",
            "`#[continuation]` takes the `Continuation`",
        ];
        for e in expected {
            assert!(found.iter().any(|m| m.contains(e)), "{e} not in {found:?}");
        }
    }
}
