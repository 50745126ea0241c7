//! `X::child_spec(args)` and `X::child_spec_via(&registry, key, args)`, carrying the declared
//! `restart` and `shutdown`.

use proc_macro2::TokenStream;
use quote::quote;

use super::Gen;
use crate::args::{Restart, Shutdown};

pub(crate) fn expand(g: &Gen<'_>) -> TokenStream {
    let (rt, vis, self_ty) = (&g.rt, &g.vis, g.self_ty);
    let generics = g.generics();
    let where_clause = &generics.where_clause;
    let (impl_generics, _, _) = generics.split_for_impl();
    let handle_ty = g.handle_ty();
    let args = Gen::hidden("__Args");
    let restart = g.args.restart.map(|r| {
        let variant = match r {
            Restart::Permanent => quote!(Permanent),
            Restart::Transient => quote!(Transient),
            Restart::Temporary => quote!(Temporary),
        };
        quote!(.restart(#rt::Restart::#variant))
    });
    let shutdown = g.args.shutdown.map(|s| match s {
        Shutdown::BrutalKill => quote!(.shutdown(#rt::Shutdown::BrutalKill)),
        Shutdown::Infinity => quote!(.shutdown(#rt::Shutdown::Infinity)),
        Shutdown::Timeout(d) => {
            let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
            quote!(.shutdown(#rt::Shutdown::Timeout(#rt::Duration::from_nanos(#nanos))))
        }
    });
    let policy = describe(g);
    let doc = format!(
        " A child spec that starts this actor with `args` (cloned for every restart), linked to its supervisor{policy}."
    );
    let doc_via = format!(
        " Like `child_spec`, registering the child under `key` in `registry` on every (re)start{policy}."
    );
    // `__Args` (always `Self::Args`) keeps the `Clone + Sync` bound from being checked where no
    // child spec is asked for: an actor with non-`Clone` arguments still compiles.
    quote! {
        #[allow(dead_code)]
        impl #impl_generics #self_ty #where_clause {
            #[doc = #doc]
            #[must_use]
            #vis fn child_spec<#args>(args: #args) -> #rt::ChildSpec<#handle_ty>
            where
                Self: #rt::Actor<Args = #args>,
                #args: ::core::clone::Clone + ::core::marker::Sync,
            {
                #rt::ChildSpec::<#rt::ActorRef<Self>>::of(args)
                    #restart
                    #shutdown
                    .typed()
            }

            #[doc = #doc_via]
            #[must_use]
            #vis fn child_spec_via<K, V, #args>(
                registry: &#rt::Registry<K, V>,
                key: K,
                args: #args,
            ) -> #rt::ChildSpec<#handle_ty>
            where
                Self: #rt::Actor<Args = #args>,
                #args: ::core::clone::Clone + ::core::marker::Sync,
                K: #rt::RegistryKey,
                V: #rt::RegistryValue + ::core::default::Default,
            {
                #rt::ChildSpec::<#rt::ActorRef<Self>>::of_via(registry, key, args)
                    #restart
                    #shutdown
                    .typed()
            }
        }
    }
}

/// `" (restart: transient, shutdown: 5s)"`, or nothing for the defaults.
fn describe(g: &Gen<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(r) = g.args.restart {
        parts.push(format!("restart: {r:?}"));
    }
    if let Some(s) = g.args.shutdown {
        parts.push(format!("shutdown: {s:?}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}
