//! Code generation, from the checked model only: the message enum (`message.rs`), the handle and
//! the named handle (`handle.rs`), the `Actor` and `Start` impls (`start.rs`), and items that
//! exist for their errors (`hints.rs`).

mod handle;
mod hints;
mod message;
mod now;
mod remote;
mod start;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

use crate::args::ActorArgs;
use crate::errors::Errors;
use crate::model::{ActorDef, Handler};
use crate::{check, fallback, parse, paths};

/// `#[actor(args)] item`: parse → check → expand, or the fallback with every error.
pub(crate) fn actor(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let args = ActorArgs::parse(args, &mut errors);
    let def = match syn::parse2::<syn::ItemImpl>(item.clone()) {
        Ok(item_impl) => parse::actor_def(item_impl, &mut errors),
        Err(_) => {
            errors.push(not_an_impl(&item));
            None
        }
    };
    if let Some(def) = &def {
        check::all(def, args.casts_wait(), &mut errors);
    }
    match (errors.finish(), def) {
        (Ok(()), Some(def)) => Gen::new(&args, &def).expand(),
        (Err(e), _) => fallback::expand(item, &e),
        (Ok(()), None) => fallback::expand(
            item,
            &syn::Error::new(Span::call_site(), "`#[actor]` could not read this item"),
        ),
    }
}

/// The error for `#[actor]` on something other than an `impl` block.
fn not_an_impl(item: &TokenStream) -> syn::Error {
    let message = "`#[actor]` goes on the `impl` block that holds the handlers (`#[actor] impl Counter { … }`)";
    match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Struct(s)) => {
            let (token, ident) = (&s.struct_token, &s.ident);
            syn::Error::new_spanned(
                quote!(#token #ident),
                format!("{message}, not on the struct"),
            )
        }
        Ok(syn::Item::Enum(e)) => {
            let (token, ident) = (&e.enum_token, &e.ident);
            syn::Error::new_spanned(quote!(#token #ident), format!("{message}, not on the enum"))
        }
        Ok(syn::Item::Trait(t)) => {
            let (token, ident) = (&t.trait_token, &t.ident);
            syn::Error::new_spanned(quote!(#token #ident), message)
        }
        _ => syn::Error::new(Span::call_site(), message),
    }
}

/// Everything the generators share: names, paths, generics.
pub(crate) struct Gen<'a> {
    pub(crate) def: &'a ActorDef,
    pub(crate) args: &'a ActorArgs,
    /// `::beamish::__private`.
    pub(crate) rt: TokenStream,
    /// The visibility of every generated item: `vis = …`, or `pub(crate)`.
    pub(crate) vis: syn::Visibility,
    pub(crate) self_ty: &'a syn::Type,
    pub(crate) message: syn::Ident,
    pub(crate) handle: syn::Ident,
    pub(crate) named: syn::Ident,
}

impl<'a> Gen<'a> {
    fn new(args: &'a ActorArgs, def: &'a ActorDef) -> Self {
        let ident = &def.ident;
        // Never wider than the crate unless asked: the macro cannot see the struct, and a `pub`
        // default would put a handle into the API of every crate with an actor at its root.
        let vis = args
            .vis
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(pub(crate)));
        Gen {
            def,
            args,
            rt: paths::private(args.krate.as_ref()),
            vis,
            self_ty: &def.item.self_ty,
            message: format_ident!("{}Message", ident),
            handle: format_ident!("{}Handle", ident),
            named: format_ident!("{}Named", ident),
        }
    }

    fn expand(&self) -> TokenStream {
        let item = now::split(self);
        // First after the user's impl, so that rustc reports a non-`Send` type there first.
        let send_checks = hints::send_checks(self);
        let message::MessageItems { outer, scoped } = message::expand(self);
        let actor_impl = start::actor_impl(self);
        let codec = remote::codec_fns(self);
        let handle = handle::expand(self);
        let start = start::start_impl(self);
        let vis_hint = hints::vis_hint(self);
        quote! {
            #item
            #send_checks
            #outer
            const _: () = {
                #scoped
                #actor_impl
                #codec
            };
            #handle
            #start
            #vis_hint
        }
    }

    /// The generics as written on the `impl` (with bounds), for item definitions.
    pub(crate) fn generics(&self) -> &syn::Generics {
        &self.def.item.generics
    }

    /// `<T, U>` or nothing, for naming generated types.
    pub(crate) fn ty_args(&self) -> TokenStream {
        let (_, ty_generics, _) = self.def.item.generics.split_for_impl();
        quote!(#ty_generics)
    }

    /// `CounterMessage<T>`.
    pub(crate) fn message_ty(&self) -> TokenStream {
        let (message, args) = (&self.message, self.ty_args());
        quote!(#message #args)
    }

    /// `CounterHandle<T>`.
    pub(crate) fn handle_ty(&self) -> TokenStream {
        let (handle, args) = (&self.handle, self.ty_args());
        quote!(#handle #args)
    }

    /// `CounterNamed<T>`.
    pub(crate) fn named_ty(&self) -> TokenStream {
        let (named, args) = (&self.named, self.ty_args());
        quote!(#named #args)
    }

    /// The argument type of one `#[init]` handler, `()` if it takes none.
    pub(crate) fn init_args_ty(&self, init: &Handler) -> syn::Type {
        init.values()
            .next()
            .map_or_else(|| syn::parse_quote!(()), |(_, ty)| self.concrete(ty))
    }

    /// `ty` with `Self` replaced by the actor type (generated items are not inside its `impl`).
    pub(crate) fn concrete(&self, ty: &syn::Type) -> syn::Type {
        let mut ty = ty.clone();
        ReplaceSelf(self.self_ty).visit_type_mut(&mut ty);
        ty
    }

    /// The type parameters of the impl, for a phantom field keeping them used.
    pub(crate) fn type_params(&self) -> Vec<&syn::Ident> {
        self.def
            .item
            .generics
            .type_params()
            .map(|p| &p.ident)
            .collect()
    }

    /// A hidden local, unreachable from user code.
    pub(crate) fn hidden(name: &str) -> syn::Ident {
        syn::Ident::new(name, Span::mixed_site())
    }
}

/// Replaces `Self` (and `Self::X`) in a type by the actor type.
struct ReplaceSelf<'a>(&'a syn::Type);

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if let syn::Type::Path(p) = ty
            && p.qself.is_none()
            && p.path.segments.first().is_some_and(|s| s.ident == "Self")
        {
            let self_ty = self.0;
            let rest: Vec<_> = p.path.segments.iter().skip(1).collect();
            *ty = if rest.is_empty() {
                self_ty.clone()
            } else {
                syn::parse_quote!(<#self_ty> #(:: #rest)*)
            };
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

/// `# Errors` doc lines for a generated method.
pub(crate) fn errors_doc(text: &str) -> TokenStream {
    let text = format!("\n # Errors\n\n {text}");
    quote!(#[doc = #text])
}

#[cfg(test)]
mod tests;
