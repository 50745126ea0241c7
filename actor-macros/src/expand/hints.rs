//! Items generated only for the errors they give: the `Send` assertions, and the hint that a public
//! actor type needs `vis = pub`.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::Gen;
use crate::model::HandlerKind;

/// The actor type, each `#[init]`, `#[call]` and `#[cast]` argument type and each `#[call]` reply
/// type must be `Send`: one hidden function per type, whose signature names
/// `AssertSend<the type>` spanned at the user's tokens.
///
/// rustc checks signatures item by item, in order, before any body, so these come first in the
/// output: a non-`Send` type is reported at the type, before the `Actor` impl and the handle
/// trip over it (and one item per type, because rustc reports a failed bound once per item).
pub(crate) fn send_checks(g: &Gen<'_>) -> TokenStream {
    let rt = &g.rt;
    let generics = g.generics();
    let where_clause = &generics.where_clause;
    let (impl_generics, _, _) = generics.split_for_impl();
    // (the handler's `#[cfg]`s, the tokens to report at, the type with `Self` replaced)
    let mut types = vec![(&[][..], g.self_ty.to_token_stream(), g.self_ty.clone())];
    for h in &g.def.handlers {
        if matches!(
            h.kind,
            HandlerKind::Init | HandlerKind::Call | HandlerKind::Cast
        ) {
            for (_, ty) in h.values() {
                types.push((&h.cfgs, ty.to_token_stream(), g.concrete(ty)));
            }
        }
        if h.kind == HandlerKind::Call {
            let at = match (&h.sig.output, h.deferred_reply()) {
                (_, Some(ty)) => ty.to_token_stream(),
                (syn::ReturnType::Type(_, ty), None) => ty.to_token_stream(),
                (syn::ReturnType::Default, None) => h.ident().to_token_stream(),
            };
            types.push((&h.cfgs, at, g.concrete(&h.reply_type())));
        }
    }
    // One check per distinct type (and cfg): rustc reports a type once per item anyway, and the
    // first place it is written is where the user looks.
    let mut seen = std::collections::HashSet::new();
    types.retain(|(cfgs, _, ty)| {
        let cfgs: Vec<_> = cfgs
            .iter()
            .map(|c| c.to_token_stream().to_string())
            .collect();
        seen.insert((cfgs, ty.to_token_stream().to_string()))
    });
    let checks = types.into_iter().enumerate().map(|(i, (cfgs, at, ty))| {
        let check = format_ident!("__beamish_send_{}", i);
        // rustc reports a bad type in a signature at the whole type, from its first token to its
        // last: those of the runtime path and the closing `>` stand at the user's first and last.
        let (first, last) = first_and_last_span(at);
        let open = respan(quote!(#rt::AssertSend<), first);
        let close = respan(quote!(>), last);
        let assertion = quote!(#open #ty #close);
        quote! {
            #(#cfgs)*
            fn #check #impl_generics (_: #assertion) #where_clause {}
        }
    });
    quote! {
        #[allow(dead_code)]
        const _: () = {
            #(#checks)*
        };
    }
}

/// The hidden method that makes rustc tell the author of a public actor type about `vis = pub`,
/// when no `vis` is written.
///
/// The default visibility, `pub(crate)`, is right for an actor type used inside its crate and too
/// narrow for one the crate exports. The macro cannot see the struct, let alone whether it is
/// reachable from outside, but rustc's `private_interfaces` lint can: it fires when an item
/// reachable from other crates names a type that is not. A hidden `pub fn` on the actor type
/// taking `&CounterHandle` is reachable exactly when the actor type is, so the lint fires for an
/// exported actor (a `pub struct` at the crate root or re-exported) and stays quiet for one that
/// is private, `pub(crate)`, or `pub` in a private module. The lint is set to `deny` on that
/// method, with the sentence users need as its reason, which rustc prints as a note.
///
/// `deny`, not the lint's own `warn`: rustc prints a `reason` only when the level comes from that
/// attribute, and under `#![deny(warnings)]` or `-D warnings` a warning takes its level from
/// those instead, losing the sentence. An error is fair here: without `vis`, an exported actor
/// cannot be started or called from other crates, and settling it is one option, which also
/// silences the check (a crate-wide `allow(private_interfaces)` does not).
///
/// Lints are not reported inside another crate's macro output, so the method is spanned at the
/// `#[actor]` attribute (`call_site`, where the fix goes) with the hygiene of the user's own
/// tokens (`resolved_at` the actor type).
pub(crate) fn vis_hint(g: &Gen<'_>) -> TokenStream {
    if g.args.vis.is_some() {
        return TokenStream::new();
    }
    let self_ty = g.self_ty;
    let generics = g.generics();
    let where_clause = &generics.where_clause;
    let (impl_generics, _, _) = generics.split_for_impl();
    let actor = &g.def.ident;
    let reason = format!(
        "`{actor}` is reachable from outside this crate, but the items `#[actor]` generates for it (its handle, messages, `start`, …) are `pub(crate)`: write `#[actor(vis = pub)]` to export them with it, or `#[actor(vis = pub(crate))]` to keep them in this crate"
    );
    let span = Span::call_site().resolved_at(self_ty.span());
    let (handle, ty_args) = (syn::Ident::new(&g.handle.to_string(), span), g.ty_args());
    let method = quote_spanned! {span=>
        pub fn __beamish_write_actor_vis_pub(_: &#handle #ty_args) {}
    };
    quote! {
        impl #impl_generics #self_ty #where_clause {
            #[doc(hidden)]
            #[allow(dead_code, unreachable_pub)]
            #[deny(private_interfaces, reason = #reason)]
            #method
        }
    }
}

/// The spans of the first and the last token of `tokens`.
fn first_and_last_span(tokens: TokenStream) -> (Span, Span) {
    let mut spans = tokens.into_iter().map(|token| token.span());
    let first = spans.next().unwrap_or_else(Span::call_site);
    (first, spans.last().unwrap_or(first))
}

/// `tokens` with every span (groups' too) set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
