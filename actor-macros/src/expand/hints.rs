//! Items generated only for the errors they give: the hint that a public actor type needs
//! `vis = pub`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::Gen;

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
