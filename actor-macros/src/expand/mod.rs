//! Code generation, from the checked model only: the message enum (`message.rs`), the handle and
//! the named handle (`handle.rs`), the `Actor` and `Start` impls (`start.rs`), and items that
//! exist for their errors (`hints.rs`).

mod handle;
mod hints;
mod message;
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
        check::all(def, args.mailbox.is_some(), &mut errors);
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
        let item = &self.def.item;
        // First after the user's impl, so that rustc reports a non-`Send` type there first.
        let send_checks = hints::send_checks(self);
        let message::MessageItems { outer, scoped } = message::expand(self);
        let actor_impl = start::actor_impl(self);
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
mod tests {
    use quote::{ToTokens, quote};

    /// Expands `Counter` and parses the output back: the tests assert on items, not strings.
    fn expand(item: proc_macro2::TokenStream) -> syn::File {
        expand_with(quote!(restart = transient), item)
    }

    fn expand_with(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> syn::File {
        syn::parse2(super::actor(args, item)).expect("valid Rust")
    }

    /// The top-level items and those inside `const _: () = { … };` blocks, in order.
    fn items(file: &syn::File) -> Vec<&syn::Item> {
        let mut all = Vec::new();
        for item in &file.items {
            all.push(item);
            if let syn::Item::Const(c) = item
                && let syn::Expr::Block(block) = &*c.expr
            {
                all.extend(block.block.stmts.iter().filter_map(|s| match s {
                    syn::Stmt::Item(i) => Some(i),
                    _ => None,
                }));
            }
        }
        all
    }

    /// The message enum and whether it is a top-level item.
    fn message_enum(file: &syn::File) -> (&syn::ItemEnum, bool) {
        let top = file
            .items
            .iter()
            .any(|i| matches!(i, syn::Item::Enum(e) if e.ident == "CounterMessage"));
        let message = items(file)
            .into_iter()
            .find_map(|i| match i {
                syn::Item::Enum(e) if e.ident == "CounterMessage" => Some(e),
                _ => None,
            })
            .expect("CounterMessage");
        (message, top)
    }

    fn counter() -> syn::File {
        expand(quote! {
            impl Counter {
                #[init]
                async fn init(start: i64) -> Self { Counter { count: start } }
                /// Adds `n`.
                #[call]
                async fn add(&mut self, n: i64) -> i64 { self.count += n; self.count }
                #[cfg(feature = "reset")]
                #[cast]
                async fn reset(&mut self) { self.count = 0 }
            }
        })
    }

    fn docs(attrs: &[syn::Attribute]) -> Vec<String> {
        attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .map(|a| quote!(#a).to_string())
            .collect()
    }

    #[test]
    fn the_message_enum_has_one_variant_per_handler_with_docs_and_cfgs() {
        let file = counter();
        let (message, _) = message_enum(&file);
        let names: Vec<String> = message
            .variants
            .iter()
            .map(|v| v.ident.to_string())
            .collect();
        assert_eq!(names, ["Add", "Reset"]);
        let add = &message.variants[0];
        assert!(docs(&add.attrs).iter().any(|d| d.contains("Adds `n`.")));
        assert_eq!(add.fields.len(), 2, "the argument and the reply channel");
        let reset = &message.variants[1];
        assert!(reset.attrs.iter().any(|a| a.path().is_ident("cfg")));
    }

    #[test]
    fn the_handle_has_the_handler_methods_with_docs_and_cfgs() {
        let file = counter();
        let methods: Vec<&syn::ImplItemFn> = file
            .items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Impl(imp) => Some(imp),
                _ => None,
            })
            .filter(|imp| {
                imp.trait_.is_none()
                    && matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("CounterHandle"))
            })
            .flat_map(|imp| imp.items.iter())
            .filter_map(|i| match i {
                syn::ImplItem::Fn(f) => Some(f),
                _ => None,
            })
            .collect();
        let add = methods.iter().find(|m| m.sig.ident == "add").expect("add");
        assert!(add.sig.asyncness.is_some());
        assert!(docs(&add.attrs).iter().any(|d| d.contains("Adds `n`.")));
        let reset = methods
            .iter()
            .find(|m| m.sig.ident == "reset")
            .expect("reset");
        assert!(
            reset.sig.asyncness.is_none(),
            "an unbounded cast does not wait"
        );
        assert!(reset.attrs.iter().any(|a| a.path().is_ident("cfg")));
        // The lifecycle is the runtime trait's, implemented through its one accessor.
        for lifecycle in ["id", "stop", "kill", "wait", "monitor", "link", "whereis"] {
            assert!(
                methods.iter().all(|m| m.sig.ident != lifecycle),
                "{lifecycle} is not generated"
            );
        }
        let accessor = file.items.iter().any(|i| {
            matches!(i, syn::Item::Const(c) if quote!(#c).to_string().contains("ActorHandle for CounterHandle"))
        });
        assert!(accessor, "`impl ActorHandle for CounterHandle`");
    }

    #[test]
    fn the_user_impl_keeps_its_methods_without_our_attributes() {
        let file = counter();
        let syn::Item::Impl(user) = &file.items[0] else {
            panic!("the user's impl comes first");
        };
        assert_eq!(user.items.len(), 3);
        for item in &user.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            for attr in &f.attrs {
                assert!(
                    !["init", "call", "cast"]
                        .iter()
                        .any(|n| attr.path().is_ident(n))
                );
            }
        }
    }

    #[test]
    fn errors_leave_the_users_impl_in_place() {
        let out = super::actor(
            quote!(restrat = x),
            quote!(impl C { #[call] async fn get(&self) -> u8 { 0 } }),
        );
        let text = out.to_string();
        assert!(text.contains("compile_error"));
        let file: syn::File = syn::parse2(out).expect("valid Rust");
        assert!(file.items.iter().any(|i| matches!(i, syn::Item::Impl(_))));
    }

    #[test]
    fn items_are_pub_crate_by_default_and_vis_otherwise() {
        let file = counter();
        assert_eq!(struct_vis(&file, "CounterHandle"), "pub (crate)");
        assert_eq!(struct_vis(&file, "CounterNamed"), "pub (crate)");
        // Declared `pub` inside a block, named outside by a `pub(crate)` alias.
        let (message, top) = message_enum(&file);
        assert!(!top);
        assert!(matches!(message.vis, syn::Visibility::Public(_)));
        let alias = file
            .items
            .iter()
            .find_map(|i| match i {
                syn::Item::Type(t) if t.ident == "CounterMessage" => Some(t),
                _ => None,
            })
            .expect("the alias");
        assert_eq!(alias.vis.to_token_stream().to_string(), "pub (crate)");
        // The start functions are the runtime trait's, for the handle types as parameters (an
        // associated type would leak a `pub(crate)` handle through a `pub` actor's impl).
        let text = file.to_token_stream().to_string();
        assert!(text.contains("Start < CounterHandle , CounterNamed > for Counter"));

        let item = quote!(impl Counter { #[init] async fn init() -> Self { Counter } });
        let file = expand_with(quote!(vis = pub(super)), item.clone());
        assert_eq!(struct_vis(&file, "CounterHandle"), "pub (super)");
        let file = expand_with(quote!(vis = pub), item);
        assert_eq!(struct_vis(&file, "CounterHandle"), "pub");
        let (_, top) = message_enum(&file);
        assert!(top, "with `vis = pub` the enum is an ordinary item");
    }

    /// The visibility of the generated struct `name`, as text.
    fn struct_vis(file: &syn::File, name: &str) -> String {
        file.items
            .iter()
            .find_map(|i| match i {
                syn::Item::Struct(s) if s.ident == name => {
                    Some(s.vis.to_token_stream().to_string())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn the_vis_hint_comes_only_without_vis() {
        let item = quote!(impl Counter { #[init] async fn init() -> Self { Counter } });
        let hint = |file: &syn::File| {
            file.items
                .iter()
                .filter_map(|i| match i {
                    syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
                    _ => None,
                })
                .flat_map(|imp| imp.items.iter())
                .find_map(|i| match i {
                    syn::ImplItem::Fn(f) if f.sig.ident == "__beamish_write_actor_vis_pub" => {
                        Some(f.clone())
                    }
                    _ => None,
                })
        };
        let method = hint(&expand_with(quote!(), item.clone())).expect("the hint");
        let deny = method
            .attrs
            .iter()
            .find(|a| a.path().is_ident("deny"))
            .expect("a `deny`");
        let text = deny.to_token_stream().to_string();
        assert!(
            text.contains("private_interfaces") && text.contains("vis = pub"),
            "{text}"
        );
        for vis in [quote!(vis = pub), quote!(vis = pub(crate))] {
            assert!(hint(&expand_with(vis, item.clone())).is_none());
        }
    }

    #[test]
    fn send_checks_come_right_after_the_users_impl() {
        let file = counter();
        let syn::Item::Const(checks) = &file.items[1] else {
            panic!("the checks' block is second");
        };
        let text = checks.to_token_stream().to_string();
        // The actor type, then `i64` once: `init`'s argument, `add`'s argument and its reply are
        // all `i64`, and one check per distinct type is enough (`reset` has none).
        assert_eq!(text.matches("AssertSend").count(), 2, "{text}");
        assert!(text.contains("AssertSend < Counter >") && text.contains("AssertSend < i64 >"));
    }
}
