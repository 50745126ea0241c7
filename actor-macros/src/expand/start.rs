//! The `Actor` impl (dispatching each message to its handler) and the `Start` impl (the handle
//! types, restart and shutdown: the start functions themselves are the runtime trait's).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::message::variant_ident;
use super::{Gen, now};
use crate::args::{Restart, Shutdown};
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

/// The call of handler `h` with `call`: awaited, or, for one that runs as a plain function
/// (`now`), called.
fn invoke(h: &Handler, call: &[TokenStream]) -> TokenStream {
    invoke_with(h, call, |future| quote!(#future.await))
}

/// The call of handler `h` with `call`: its plain function (`now`), or its `async fn`'s future
/// finished by `finish` (awaited in the actor's loop, polled once by an inline call).
fn invoke_with(
    h: &Handler,
    call: &[TokenStream],
    finish: impl FnOnce(TokenStream) -> TokenStream,
) -> TokenStream {
    if h.runs_now {
        let now = now::ident(h);
        quote!(Self::#now(self, #(#call),*))
    } else {
        let name = h.ident();
        finish(quote!(Self::#name(self, #(#call),*)))
    }
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
        let (cfgs, variant) = (&h.cfgs, variant_ident(h));
        let fields: Vec<_> = (0..h.values().count())
            .map(|i| Gen::hidden(&format!("__a{i}")))
            .collect();
        let call = call_args(h, &fields);
        let run = invoke(h, &call);
        match h.kind {
            HandlerKind::Call if h.deferred_reply().is_none() => quote! {
                #(#cfgs)*
                #message::#variant(#(#fields,)* #reply) => {
                    let value = #run;
                    #ctx.reply(#reply, value);
                }
            },
            HandlerKind::Call => quote! {
                #(#cfgs)*
                #message::#variant(#(#fields,)* #reply) => {
                    #run;
                }
            },
            _ => quote! {
                #(#cfgs)*
                #message::#variant(#(#fields),*) => {
                    #run;
                }
            },
        }
    });
    let phantom = (!g.type_params().is_empty())
        .then(|| quote!(#message::__Phantom(_, never) => match never {},));

    let info = g.def.of(HandlerKind::Info).map(|h| {
        let cfgs = &h.cfgs;
        let info = Gen::hidden("__info");
        let run = invoke(h, &call_args(h, std::slice::from_ref(&info)));
        quote_spanned! {h.attr.span()=>
            #(#cfgs)*
            async fn handle_info(&mut self, #info: #rt::Info, #ctx: &mut #rt::Context<Self>) {
                let _ = &#ctx;
                #run;
            }
        }
    });
    let cont = g.def.of(HandlerKind::Continue).map(|h| {
        let cfgs = &h.cfgs;
        let cont = Gen::hidden("__cont");
        let run = invoke(h, &call_args(h, std::slice::from_ref(&cont)));
        quote_spanned! {h.attr.span()=>
            #(#cfgs)*
            async fn handle_continue(&mut self, #cont: #rt::Continuation, #ctx: &mut #rt::Context<Self>) {
                let _ = &#ctx;
                #run;
            }
        }
    });
    let terminate = g.def.of(HandlerKind::Terminate).map(|h| {
        let cfgs = &h.cfgs;
        let reason = Gen::hidden("__reason");
        let run = invoke(h, &call_args(h, std::slice::from_ref(&reason)));
        quote_spanned! {h.attr.span()=>
            #(#cfgs)*
            async fn terminate(&mut self, #reason: &#rt::ExitReason, #ctx: &mut #rt::Context<Self>) {
                let _ = &#ctx;
                #run;
            }
        }
    });
    // No `#[terminate]` (under any `#[cfg]`): the exit path skips the default one.
    let terminates = g.def.of(HandlerKind::Terminate).next().is_none().then(|| {
        quote!(
            const TERMINATES: bool = false;
        )
    });
    let capacity = g.args.mailbox.map(|n| {
        quote!(const MAILBOX_CAPACITY: ::core::option::Option<usize> = ::core::option::Option::Some(#n);)
    });
    let overflow = g.args.overflow.map(|policy| {
        let variant = format_ident!("{}", policy.variant());
        quote!(const MAILBOX_OVERFLOW: #rt::Overflow = #rt::Overflow::#variant;)
    });
    // Spanned at the option: a state that is not `Debug` is reported there.
    let debug_state = g.args.debug_state.as_ref().map(|at| {
        quote_spanned! {at.span()=>
            fn debug_state(&self) -> ::core::option::Option<::std::string::String> {
                ::core::option::Option::Some(::std::format!("{:#?}", self))
            }
        }
    });
    let inline = inline_fns(g);
    let remote = super::remote::codec_const(g);
    quote! {
        #[automatically_derived]
        impl #impl_generics #rt::Actor for #self_ty #where_clause {
            type Message = #message_ty;
            #capacity
            #overflow
            #debug_state
            #remote
            #terminates

            #(#init)*

            async fn handle(&mut self, #msg: Self::Message, #ctx: &mut #rt::Context<Self>) {
                let _ = &#ctx;
                match #msg {
                    #(#arms)*
                    #phantom
                }
            }

            #inline
            #(#info)*
            #(#cont)*
            #(#terminate)*
        }
    }
}

/// `is_inline` and `handle_inline`, for the `#[call]`s that cannot wait (`Handler::inline`):
/// the handler's future is polled once, where it is ready.
fn inline_fns(g: &Gen<'_>) -> Option<TokenStream> {
    let rt = &g.rt;
    let message = &g.message;
    let (msg, reply) = (Gen::hidden("__msg"), Gen::hidden("__reply"));
    let handlers: Vec<_> = g.def.messages().filter(|h| h.inline()).collect();
    if handlers.is_empty() {
        return None;
    }
    let matches = handlers.iter().map(|h| {
        let (cfgs, variant) = (&h.cfgs, variant_ident(h));
        quote!(#(#cfgs)* #message::#variant(..) => true,)
    });
    let arms = handlers.iter().map(|h| {
        let (cfgs, variant) = (&h.cfgs, variant_ident(h));
        let fields: Vec<_> = (0..h.values().count())
            .map(|i| Gen::hidden(&format!("__a{i}")))
            .collect();
        let call = call_args(h, &fields);
        let value = invoke_with(h, &call, |future| quote!(#rt::ready_now(#future)));
        let run = if h.deferred_reply().is_none() {
            quote! {
                let value = #value;
                let _ = #reply.send(value);
            }
        } else {
            quote!(#value;)
        };
        quote! {
            #(#cfgs)*
            #message::#variant(#(#fields,)* #reply) => {
                #run
                ::core::result::Result::Ok(())
            }
        }
    });
    Some(quote! {
        #[allow(unreachable_patterns)]
        fn is_inline(#msg: &Self::Message) -> bool {
            match #msg {
                #(#matches)*
                _ => false,
            }
        }

        #[allow(unreachable_patterns)]
        fn handle_inline(&mut self, #msg: Self::Message) -> ::core::result::Result<(), Self::Message> {
            match #msg {
                #(#arms)*
                other => ::core::result::Result::Err(other),
            }
        }
    })
}

/// `impl Start`: the start functions, `via` and the child specs come from the runtime trait's
/// default methods; the actor contributes its handle types and its declared restart and shutdown.
pub(crate) fn start_impl(g: &Gen<'_>) -> TokenStream {
    let (rt, self_ty) = (&g.rt, g.self_ty);
    let generics = g.generics();
    let where_clause = &generics.where_clause;
    let (impl_generics, _, _) = generics.split_for_impl();
    let (handle_ty, named_ty) = (g.handle_ty(), g.named_ty());
    let restart = g.args.restart.map(|r| {
        let variant = match r {
            Restart::Permanent => quote!(Permanent),
            Restart::Transient => quote!(Transient),
            Restart::Temporary => quote!(Temporary),
        };
        quote!(const RESTART: #rt::Restart = #rt::Restart::#variant;)
    });
    let shutdown = g.args.shutdown.map(|s| {
        let mode = match s {
            Shutdown::BrutalKill => quote!(#rt::Shutdown::BrutalKill),
            Shutdown::Infinity => quote!(#rt::Shutdown::Infinity),
            Shutdown::Timeout(d) => {
                let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
                quote!(#rt::Shutdown::Timeout(#rt::Duration::from_nanos(#nanos)))
            }
        };
        quote!(const SHUTDOWN: ::core::option::Option<#rt::Shutdown> = ::core::option::Option::Some(#mode);)
    });
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #rt::Start<#handle_ty, #named_ty> for #self_ty #where_clause {
                #restart
                #shutdown
            }
        };
    }
}
