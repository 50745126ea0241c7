//! `#[actor(remote)]`: the codec that carries the actor's messages to and from other nodes.
//!
//! Arguments travel as a tuple, answers as themselves, both through the cluster layer's wire
//! format (`#rt::wire`, present with beamish's `cluster` feature). Each type is named with its
//! own span, so a type that is not serialisable is reported on the argument or the return type
//! that brought it in; without the feature, the error is on `remote` itself. The typed handle of
//! a remote type is serialisable itself, so handles travel inside messages.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::Gen;
use super::message::variant_ident;
use crate::model::HandlerKind;

/// `const REMOTE = Some(RemoteCodec { … })` in the `Actor` impl.
pub(crate) fn codec_const(g: &Gen<'_>) -> Option<TokenStream> {
    let (at, tag) = g.args.remote.as_ref()?;
    if !g.def.item.generics.params.is_empty() {
        return None; // reported by `codec_fns`
    }
    let rt = &g.rt;
    let ident = g.def.ident.to_string();
    let tag = match tag {
        Some(tag) => quote!(#tag),
        None => quote!(::core::concat!(::core::module_path!(), "::", #ident)),
    };
    let encode = Gen::hidden("__beamish_encode");
    let decode = Gen::hidden("__beamish_decode");
    Some(quote_spanned! {at.span()=>
        const REMOTE: ::core::option::Option<#rt::remote::RemoteCodec<Self::Message>> =
            ::core::option::Option::Some(#rt::remote::RemoteCodec {
                tag: #tag,
                encode: #encode,
                decode: #decode,
            });
    })
}

/// The encode and decode functions `REMOTE` names, next to the `Actor` impl.
pub(crate) fn codec_fns(g: &Gen<'_>) -> TokenStream {
    let Some((at, _)) = &g.args.remote else {
        return TokenStream::new();
    };
    let rt = &g.rt;
    if let Some(param) = g.def.item.generics.params.first() {
        return syn::Error::new(
            param.span(),
            "`#[actor(remote)]` does not take a generic actor: each remote type needs one stable tag",
        )
        .to_compile_error();
    }
    let message = &g.message;
    let wire = quote_spanned!(at.span()=> #rt::wire);
    let encode = Gen::hidden("__beamish_encode");
    let decode = Gen::hidden("__beamish_decode");
    let body = Gen::hidden("__body");
    let reply = Gen::hidden("__reply");
    let (mut encode_arms, mut decode_arms) = (Vec::new(), Vec::new());
    for h in g.def.messages() {
        let (cfgs, name) = (&h.cfgs, variant_ident(h));
        let op = h.ident().to_string();
        let fields: Vec<_> = (0..h.values().count())
            .map(|i| Gen::hidden(&format!("__a{i}")))
            .collect();
        // Each argument is pushed and taken with its own type, spanned at it: a type that
        // cannot cross nodes is reported on the argument that brought it in.
        let pushes = h.values().zip(&fields).map(|((_, ty), field)| {
            let ty = g.concrete(ty);
            quote_spanned!(ty.span()=> #wire::push::<#ty>(&mut #body, &#field)?;)
        });
        let takes: Vec<_> = h
            .values()
            .zip(&fields)
            .map(|((_, ty), field)| {
                let ty = g.concrete(ty);
                quote_spanned!(ty.span()=> let #field = #wire::take::<#ty>(&mut #body)?;)
            })
            .collect();
        let (outbound, pending, reply_field) = if h.kind == HandlerKind::Call {
            let ty = g.concrete(&h.reply_type());
            let outbound = quote_spanned!(ty.span()=> #wire::call::<#ty>(#op, #body, #reply));
            let pending = quote_spanned!(ty.span()=> {
                let (r, pending) = #wire::reply_to::<#ty>();
                #reply = r;
                ::core::option::Option::Some(pending)
            });
            (outbound, pending, Some(quote!(#reply)))
        } else {
            (
                quote!(#wire::cast(#op, #body)),
                quote!(::core::option::Option::None),
                None,
            )
        };
        let bindings = fields.iter().map(|f| quote!(#f)).chain(reply_field.clone());
        encode_arms.push(quote! {
            #(#cfgs)*
            #message::#name(#(#bindings),*) => {
                let mut #body = #wire::body();
                #(#pushes)*
                ::core::result::Result::Ok(#outbound)
            }
        });
        let declare_reply = reply_field.as_ref().map(|r| quote!(let #r;));
        let rebuild = fields.iter().map(|f| quote!(#f)).chain(reply_field);
        decode_arms.push(quote! {
            #(#cfgs)*
            #op => {
                #(#takes)*
                #wire::finish(#body)?;
                #declare_reply
                let reply = #pending;
                ::core::result::Result::Ok(#rt::remote::Inbound {
                    msg: #message::#name(#(#rebuild),*),
                    reply,
                })
            }
        });
    }
    let check = quote_spanned!(at.span()=> #rt::remote_needs_cluster_feature!{});
    let handle = &g.handle;
    // The handle travels inside messages: as `(node, epoch, local id, tag)`.
    let handle_serde = quote_spanned! {at.span()=>
        #[automatically_derived]
        impl #wire::serde::Serialize for #handle {
            fn serialize<__S: #wire::serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                #wire::serialize_handle(&self.inner, serializer)
            }
        }
        #[automatically_derived]
        impl<'de> #wire::serde::Deserialize<'de> for #handle {
            fn deserialize<__D: #wire::serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                #wire::deserialize_handle(deserializer).map(|inner| Self { inner })
            }
        }
    };
    quote! {
        #check
        #handle_serde
        #[allow(unreachable_code, unused_variables, unused_mut)]
        fn #encode(
            msg: #message,
        ) -> ::core::result::Result<#rt::remote::Outbound, #rt::remote::CodecError> {
            match msg {
                #(#encode_arms)*
            }
        }
        #[allow(unreachable_code, unused_mut)]
        fn #decode(
            op: &str,
            mut #body: &[u8],
        ) -> ::core::result::Result<#rt::remote::Inbound<#message>, #rt::remote::CodecError> {
            match op {
                #(#decode_arms)*
                _ => ::core::result::Result::Err(#wire::unknown_op(op)),
            }
        }
    }
}
