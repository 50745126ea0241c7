//! The `Actor` impl (dispatching each message to its handler) and the start functions on the
//! actor type: `start`, `start_link`, `start_via`, `start_link_via`, `via`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::message::variant_ident;
use super::{Gen, errors_doc};
use crate::model::{Arg, Handler, HandlerKind};

/// The arguments of a call to handler `h`: value fields by the given names, `ctx`, the reply.
fn call_args(h: &Handler, values: &[syn::Ident]) -> Vec<TokenStream> {
    let ctx = Gen::hidden("__ctx");
    let reply = Gen::hidden("__reply");
    let mut values = values.iter();
    h.args
        .iter()
        .map(|arg| match arg {
            Arg::Ctx => quote!(#ctx),
            Arg::Reply { .. } => quote!(#reply),
            Arg::Value { .. } => {
                let v = values.next();
                quote!(#v)
            }
        })
        .collect()
}

/// `impl Actor for Counter`, for the `const _` block that holds the message enum (see
/// `message`).
pub(crate) fn actor_impl(g: &Gen<'_>) -> TokenStream {
    let (rt, self_ty) = (&g.rt, g.self_ty);
    let generics = g.generics();
    let where_clause = &generics.where_clause;
    let (impl_generics, _, _) = generics.split_for_impl();
    let message_ty = g.message_ty();
    let message = &g.message;
    let (ctx, msg, reply, args) = (
        Gen::hidden("__ctx"),
        Gen::hidden("__msg"),
        Gen::hidden("__reply"),
        Gen::hidden("__args"),
    );

    // One of each per `#[cfg]` when there are several (`check` allows that only under `#[cfg]`s).
    let init = g.def.of(HandlerKind::Init).map(|h| {
        let (cfgs, name) = (&h.cfgs, h.ident());
        let args_ty = g.init_args_ty(h);
        let call = call_args(h, std::slice::from_ref(&args));
        let span = match &h.sig.output {
            syn::ReturnType::Type(_, ty) => ty.span(),
            syn::ReturnType::Default => h.ident().span(),
        };
        let built = quote_spanned! {span=>
            <_ as #rt::InitResult<Self>>::into_init(Self::#name(#(#call),*).await)
        };
        // Spanned at the user's `#[init]`, so that two enabled at once are reported there.
        quote_spanned! {h.attr.span()=>
            #(#cfgs)*
            type Args = #args_ty;

            #(#cfgs)*
            async fn init(#args: Self::Args, #ctx: &mut #rt::Context<Self>) -> ::core::result::Result<Self, #rt::InitError> {
                let _ = &#ctx;
                #built
            }
        }
    });

    let arms = g.def.messages().map(|h| {
        let (cfgs, name, variant) = (&h.cfgs, h.ident(), variant_ident(h));
        let fields: Vec<_> = (0..h.values().count())
            .map(|i| Gen::hidden(&format!("__a{i}")))
            .collect();
        let call = call_args(h, &fields);
        match h.kind {
            HandlerKind::Call if h.deferred_reply().is_none() => quote! {
                #(#cfgs)*
                #message::#variant(#(#fields,)* #reply) => {
                    let value = Self::#name(self, #(#call),*).await;
                    #ctx.reply(#reply, value);
                }
            },
            HandlerKind::Call => quote! {
                #(#cfgs)*
                #message::#variant(#(#fields,)* #reply) => {
                    Self::#name(self, #(#call),*).await;
                }
            },
            _ => quote! {
                #(#cfgs)*
                #message::#variant(#(#fields),*) => {
                    Self::#name(self, #(#call),*).await;
                }
            },
        }
    });
    let phantom = (!g.type_params().is_empty())
        .then(|| quote!(#message::__Phantom(_, never) => match never {},));

    let info = g.def.of(HandlerKind::Info).map(|h| {
        let (cfgs, name) = (&h.cfgs, h.ident());
        let info = Gen::hidden("__info");
        let call = call_args(h, std::slice::from_ref(&info));
        quote_spanned! {h.attr.span()=>
            #(#cfgs)*
            async fn handle_info(&mut self, #info: #rt::Info, #ctx: &mut #rt::Context<Self>) {
                let _ = &#ctx;
                Self::#name(self, #(#call),*).await;
            }
        }
    });
    let terminate = g.def.of(HandlerKind::Terminate).map(|h| {
        let (cfgs, name) = (&h.cfgs, h.ident());
        let reason = Gen::hidden("__reason");
        let call = call_args(h, std::slice::from_ref(&reason));
        quote_spanned! {h.attr.span()=>
            #(#cfgs)*
            async fn terminate(&mut self, #reason: &#rt::ExitReason, #ctx: &mut #rt::Context<Self>) {
                let _ = &#ctx;
                Self::#name(self, #(#call),*).await;
            }
        }
    });
    let capacity = g.args.mailbox.map(|n| {
        quote!(const MAILBOX_CAPACITY: ::core::option::Option<usize> = ::core::option::Option::Some(#n);)
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #rt::Actor for #self_ty #where_clause {
            type Message = #message_ty;
            #capacity

            #(#init)*

            async fn handle(&mut self, #msg: Self::Message, #ctx: &mut #rt::Context<Self>) {
                let _ = &#ctx;
                match #msg {
                    #(#arms)*
                    #phantom
                }
            }

            #(#info)*
            #(#terminate)*
        }
    }
}

/// The start functions and `via`, on the actor type.
pub(crate) fn start_fns(g: &Gen<'_>) -> TokenStream {
    let (rt, vis, self_ty) = (&g.rt, &g.vis, g.self_ty);
    let generics = g.generics();
    let where_clause = &generics.where_clause;
    let (impl_generics, _, _) = generics.split_for_impl();
    let handle_ty = g.handle_ty();
    let named_ty = g.named_ty();
    let args_ty = g.args_ty();
    let start_errors = errors_doc(
        "`StartError::Init` if `init` returned an error, `StartError::Panic` if it panicked.",
    );
    let via_errors = errors_doc(
        "`StartError::AlreadyStarted` with the holder's id if the key is taken (init does not run), `StartError::Refused` for a registry without unique keys, and the errors of `start`.",
    );
    quote! {
        #[allow(dead_code)]
        impl #impl_generics #self_ty #where_clause {
            /// Starts the actor: spawns its task, runs `init` inside it, and returns its handle
            /// once `init` returned. Not linked to the caller.
            #start_errors
            #vis async fn start(args: #args_ty) -> ::core::result::Result<#handle_ty, #rt::StartError> {
                #rt::ActorRef::<Self>::start(args).await.map(::core::convert::From::from)
            }

            /// Starts the actor linked to the calling actor (outside any actor, the same as
            /// `start`).
            #start_errors
            #vis async fn start_link(args: #args_ty) -> ::core::result::Result<#handle_ty, #rt::StartError> {
                #rt::ActorRef::<Self>::start_link(args).await.map(::core::convert::From::from)
            }

            /// Starts the actor registered under `key` in `registry` (a via name): the name is
            /// taken before `init` runs and released if `init` fails.
            #via_errors
            #vis async fn start_via<K, V>(
                registry: &#rt::Registry<K, V>,
                key: K,
                args: #args_ty,
            ) -> ::core::result::Result<#handle_ty, #rt::StartError>
            where
                K: #rt::RegistryKey,
                V: #rt::RegistryValue + ::core::default::Default,
            {
                #rt::ActorRef::<Self>::start_via(registry, key, args).await.map(::core::convert::From::from)
            }

            /// `start_via`, linked to the calling actor.
            #via_errors
            #vis async fn start_link_via<K, V>(
                registry: &#rt::Registry<K, V>,
                key: K,
                args: #args_ty,
            ) -> ::core::result::Result<#handle_ty, #rt::StartError>
            where
                K: #rt::RegistryKey,
                V: #rt::RegistryValue + ::core::default::Default,
            {
                #rt::ActorRef::<Self>::start_link_via(registry, key, args).await.map(::core::convert::From::from)
            }

            /// A handle by name: each use resolves `key` in `registry`, so it keeps reaching the
            /// actor across restarts.
            #[must_use]
            #vis fn via<K, V>(registry: &#rt::Registry<K, V>, key: K) -> #named_ty
            where
                K: #rt::RegistryKey,
                V: #rt::RegistryValue,
            {
                ::core::convert::From::from(#rt::Named::<Self>::new(registry, key))
            }
        }
    }
}
