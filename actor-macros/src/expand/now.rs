//! Handlers that cannot wait also run as plain functions. For each handler with
//! [`Handler::runs_now`], the body moves into a hidden function without `async`
//! (`__beamish_now_add`), which the generated `Actor` methods (the message dispatch,
//! `handle_info`, `handle_continue`, `terminate`) and the inline path call directly; the user's
//! `async fn` keeps its signature, docs and attributes, and calls it.
//!
//! Why: a handler's `async fn` is a coroutine, and rustc gives every coroutine that can unwind a
//! landing pad that marks it poisoned. A panic in the handler stops there and is then resumed
//! (`_Unwind_Resume`, a second walk of the frames up to the catch): about 6,500 instructions per
//! crash, a quarter of what the unwinding costs in all. A plain function has no such pad, and the
//! actor's task keeps no coroutine state for it while it runs.

use quote::format_ident;
use syn::ext::IdentExt;

use super::Gen;
use crate::model::Handler;

/// The user's `impl` block, each handler that runs now split in two.
pub(crate) fn split(g: &Gen<'_>) -> syn::ItemImpl {
    let mut item = g.def.item.clone();
    let mut twins = Vec::new();
    for impl_item in &mut item.items {
        let syn::ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let Some(h) = g
            .def
            .handlers
            .iter()
            .find(|h| h.runs_now && h.sig == method.sig)
        else {
            continue;
        };
        twins.push(syn::ImplItem::Fn(twin(method, h)));
        forward(method, h);
    }
    item.items.extend(twins);
    item
}

/// The name of `h`'s plain function.
pub(crate) fn ident(h: &Handler) -> syn::Ident {
    format_ident!(
        "__beamish_now_{}",
        h.ident().unraw(),
        span = h.ident().span()
    )
}

/// Lint levels, which go with the body (`expect` included: the lint it expects fires there).
fn is_lint(attr: &syn::Attribute) -> bool {
    ["allow", "expect", "warn", "deny", "forbid"]
        .iter()
        .any(|name| attr.path().is_ident(name))
}

/// The plain function: the handler's signature and body without `async`, private and hidden,
/// with its `#[cfg]`s and lint levels.
fn twin(method: &syn::ImplItemFn, h: &Handler) -> syn::ImplItemFn {
    let mut twin = method.clone();
    twin.sig.asyncness = None;
    twin.sig.ident = ident(h);
    twin.vis = syn::Visibility::Inherited;
    twin.attrs = method
        .attrs
        .iter()
        .filter(|a| is_lint(a) || a.path().is_ident("cfg"))
        .cloned()
        .collect();
    // The handler's shape is the user's choice, made on the `async fn` (see `parse::handler`).
    twin.attrs
        .push(syn::parse_quote!(#[allow(clippy::unnecessary_wraps)]));
    twin.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    twin.attrs.push(syn::parse_quote!(#[inline]));
    twin
}

/// The user's `async fn`, now a call of the plain function: arguments named (`_` gets a hidden
/// name) and no longer `mut`, an `expect` turned into an `allow` (its lint fires in the body).
fn forward(method: &mut syn::ImplItemFn, h: &Handler) {
    for attr in &mut method.attrs {
        if let syn::Meta::List(list) = &mut attr.meta
            && list.path.is_ident("expect")
        {
            list.path = syn::parse_quote!(allow);
        }
    }
    // Unused when nothing but the dispatch called it; `_n` arguments are now used.
    method.attrs.push(syn::parse_quote!(#[allow(
        dead_code,
        clippy::used_underscore_binding
    )]));
    let mut args = Vec::new();
    for (i, input) in method.sig.inputs.iter_mut().enumerate() {
        let syn::FnArg::Typed(typed) = input else {
            continue;
        };
        let name = match &mut *typed.pat {
            syn::Pat::Ident(p) => {
                p.mutability = None;
                p.ident.clone()
            }
            pat => {
                let name = Gen::hidden(&format!("__arg{i}"));
                *pat = syn::parse_quote!(#name);
                name
            }
        };
        args.push(name);
    }
    let twin = ident(h);
    method.block = syn::parse_quote!({ Self::#twin(self, #(#args),*) });
}
