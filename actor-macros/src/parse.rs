//! Parsing: an `impl` block becomes an [`ActorDef`]. Our attributes are stripped from the block;
//! what cannot even be represented (patterns as arguments, a trait impl) is reported here, every
//! other rule is left to `check`.

use quote::ToTokens;

use crate::errors::Errors;
use crate::model::{ActorDef, Arg, Handler, HandlerKind, ReceiverForm};

/// Parses `item` into the model, recording problems in `errors`. `None` if there is no model to
/// speak of (not an `impl` block of a named type).
pub(crate) fn actor_def(mut item: syn::ItemImpl, errors: &mut Errors) -> Option<ActorDef> {
    if let Some((path, _)) = &item.trait_ {
        errors.push_spanned(
            path,
            "`#[actor]` goes on an inherent `impl` block (`impl Counter { … }`), not on a trait impl",
        );
        return None;
    }
    let ident = match &*item.self_ty {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last()?.ident.clone(),
        other => {
            errors.push_spanned(
                other,
                "`#[actor]` needs an `impl` block of a named struct or enum",
            );
            return None;
        }
    };
    let mut handlers = Vec::new();
    for impl_item in &mut item.items {
        let syn::ImplItem::Fn(method) = impl_item else {
            continue;
        };
        if let Some(handler) = handler(method, errors) {
            handlers.push(handler);
        }
    }
    Some(ActorDef {
        item,
        ident,
        handlers,
    })
}

/// Attributes that say nothing about how a function runs: a handler carrying only these may have
/// its body moved into a plain function (`expand::now`). Any other (`#[tracing::instrument]`,
/// an attribute macro) keeps the handler as the user wrote it.
const PLAIN_ATTRS: &[&str] = &[
    "doc", "cfg", "allow", "expect", "warn", "deny", "forbid", "inline", "must_use",
];

/// The handler attribute on `attr`, if it is one of ours.
fn handler_kind(attr: &syn::Attribute) -> Option<HandlerKind> {
    HandlerKind::ALL
        .into_iter()
        .find(|k| attr.path().is_ident(k.name()))
}

/// Removes `#[init]`, `#[call]`, … from every method (for the fallback output).
pub(crate) fn strip_handler_attrs(item: &mut syn::ItemImpl) {
    for impl_item in &mut item.items {
        if let syn::ImplItem::Fn(method) = impl_item {
            method.attrs.retain(|a| handler_kind(a).is_none());
        }
    }
}

/// `true` for `#[call(flatten)]`; reports any other argument of a handler attribute.
fn handler_options(kind: HandlerKind, attr: &syn::Attribute, errors: &mut Errors) -> bool {
    match (&attr.meta, kind) {
        (syn::Meta::Path(_), _) => false,
        (syn::Meta::List(list), HandlerKind::Call) => {
            let mut flatten = false;
            let parsed = list.parse_nested_meta(|meta| {
                if meta.path.is_ident("flatten") && !flatten {
                    flatten = true;
                    Ok(())
                } else if meta.path.is_ident("flatten") {
                    Err(meta.error("duplicate `flatten`"))
                } else {
                    let path = &meta.path;
                    let name = quote::quote!(#path).to_string().replace(' ', "");
                    Err(meta.error(format!(
                        "unknown option `{name}`; `#[call]` takes only `flatten`"
                    )))
                }
            });
            if let Err(e) = parsed {
                errors.push(e);
            }
            flatten
        }
        (syn::Meta::NameValue(_), HandlerKind::Call) => {
            errors.push_spanned(
                attr,
                "`#[call]` takes only `flatten`, as `#[call(flatten)]`",
            );
            false
        }
        _ => {
            errors.push_spanned(attr, format!("`#[{}]` takes no arguments", kind.name()));
            false
        }
    }
}

fn handler(method: &mut syn::ImplItemFn, errors: &mut Errors) -> Option<Handler> {
    let mut found: Option<(HandlerKind, syn::Attribute)> = None;
    let mut flatten = false;
    let mut kept = Vec::with_capacity(method.attrs.len());
    for attr in method.attrs.drain(..) {
        let Some(kind) = handler_kind(&attr) else {
            kept.push(attr);
            continue;
        };
        flatten |= handler_options(kind, &attr, errors);
        match &found {
            Some((first, _)) => errors.push_spanned(
                &attr,
                format!(
                    "a method can be only one handler; this one is already `#[{}]`",
                    first.name()
                ),
            ),
            None => found = Some((kind, attr)),
        }
    }
    method.attrs = kept;
    let (kind, attr) = found?;
    let plain_attrs = method
        .attrs
        .iter()
        .all(|a| PLAIN_ATTRS.iter().any(|name| a.path().is_ident(name)));
    // The shape is ours to demand (async, a receiver, owned arguments), so lints that would ask
    // the user to change it are silenced on the handler only.
    method.attrs.push(syn::parse_quote!(#[allow(
        clippy::unused_async,
        clippy::unused_self,
        clippy::needless_pass_by_value
    )]));
    let receiver = match method.sig.receiver() {
        None => ReceiverForm::None,
        Some(r) => match &r.kind {
            syn::ReceiverKind::Reference(_, _, Some(_)) => ReceiverForm::Mut,
            syn::ReceiverKind::Reference(_, _, None) => ReceiverForm::Shared,
            syn::ReceiverKind::Typed(..) => ReceiverForm::Typed,
            _ => ReceiverForm::Value,
        },
    };
    if receiver == ReceiverForm::Shared {
        // A `&self` handler's future holds `&Self`, which is `Send` only if the actor is `Sync`.
        // The actor owns its state in its own task, so the handler gets `&mut self` instead and
        // the actor need only be `Send`.
        if let Some(syn::FnArg::Receiver(r)) = method.sig.inputs.first_mut()
            && let syn::ReceiverKind::Reference(and, _, mutability) = &mut r.kind
        {
            *mutability = Some(syn::Token![mut](and.span));
        }
    }
    let mut args = Vec::new();
    for input in &method.sig.inputs {
        let syn::FnArg::Typed(pat_type) = input else {
            continue;
        };
        let ty = (*pat_type.ty).clone();
        if is_ctx(&ty) {
            args.push(Arg::Ctx);
            continue;
        }
        if let Some(inner) = reply_to(&ty) {
            args.push(Arg::Reply { ty: inner });
            continue;
        }
        match &*pat_type.pat {
            syn::Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                args.push(Arg::Value {
                    ident: p.ident.clone(),
                    ty,
                });
            }
            syn::Pat::Wild(w) => {
                // `_: T`: the handle still needs a name for the parameter.
                let ident = syn::Ident::new(&format!("arg{}", args.len()), w.underscore_token.span);
                args.push(Arg::Value { ident, ty });
            }
            other => errors.push_spanned(
                other,
                "handler arguments must be plain names, like `n: u32`; destructure inside the body",
            ),
        }
    }
    let docs = method
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    let cfgs = method
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .cloned()
        .collect();
    let never_waits = crate::never_waits::never_waits(method.block.to_token_stream());
    let runs_now = never_waits
        && plain_attrs
        && kind != HandlerKind::Init
        && matches!(receiver, ReceiverForm::Mut | ReceiverForm::Shared);
    Some(Handler {
        kind,
        attr,
        flatten,
        never_waits,
        runs_now,
        sig: method.sig.clone(),
        receiver,
        args,
        docs,
        cfgs,
    })
}

/// `&mut Context<…>` (any path ending in `Context`).
fn is_ctx(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) if r.mutability.is_some() => matches!(
            &*r.elem,
            syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Context")
        ),
        _ => false,
    }
}

/// `T` in `ReplyTo<T>` (any path ending in `ReplyTo`).
fn reply_to(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    let last = p.path.segments.last()?;
    if last.ident != "ReplyTo" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn handlers_are_classified_and_stripped() {
        let item: syn::ItemImpl = parse_quote! {
            impl Counter {
                #[init]
                async fn init(start: i64) -> Self { Counter { count: start } }
                /// Adds.
                #[call]
                async fn add(&mut self, n: i64, ctx: &mut Context<Self>) -> i64 { 0 }
                #[call]
                async fn later(&self, reply: ReplyTo<u8>) {}
                fn helper(&self) {}
            }
        };
        let mut errors = Errors::new();
        let def = actor_def(item, &mut errors).expect("a model");
        errors.finish().expect("no errors");
        assert_eq!(def.ident, "Counter");
        assert_eq!(def.handlers.len(), 3);
        let add = &def.handlers[1];
        assert_eq!(add.kind, HandlerKind::Call);
        assert_eq!(add.receiver, ReceiverForm::Mut);
        assert!(matches!(add.args[..], [Arg::Value { .. }, Arg::Ctx]));
        assert_eq!(add.docs.len(), 1);
        assert!(def.handlers[2].deferred_reply().is_some());
        let syn::ImplItem::Fn(m) = &def.item.items[1] else {
            panic!("a method")
        };
        assert!(m.attrs.iter().all(|a| !a.path().is_ident("call")));
    }

    #[test]
    fn trait_impls_are_refused() {
        let item: syn::ItemImpl = parse_quote!(impl Clone for Counter {});
        let mut errors = Errors::new();
        assert!(actor_def(item, &mut errors).is_none());
        assert!(errors.finish().is_err());
    }

    #[test]
    fn patterns_are_refused() {
        let item: syn::ItemImpl = parse_quote! {
            impl P { #[cast] async fn set(&mut self, (a, b): (u8, u8)) {} }
        };
        let mut errors = Errors::new();
        let _ = actor_def(item, &mut errors);
        let e = errors.finish().expect_err("pattern");
        assert!(e.to_string().contains("plain names"));
    }
}
