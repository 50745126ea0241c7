//! Expansion tests: they parse the output back and assert on items, not strings.

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
    let theirs = user.items.iter().filter(|i| {
        !matches!(i, syn::ImplItem::Fn(f) if f.sig.ident.to_string().starts_with("__beamish_now_"))
    });
    assert_eq!(theirs.count(), 3);
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
            syn::Item::Struct(s) if s.ident == name => Some(s.vis.to_token_stream().to_string()),
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

/// The user's impl item named `name`.
fn user_fn<'f>(file: &'f syn::File, name: &str) -> Option<&'f syn::ImplItemFn> {
    let syn::Item::Impl(user) = &file.items[0] else {
        panic!("the user's impl comes first: {}", file.to_token_stream());
    };
    user.items.iter().find_map(|i| match i {
        syn::ImplItem::Fn(f) if f.sig.ident == name => Some(f),
        _ => None,
    })
}

#[test]
fn a_handler_that_cannot_wait_runs_as_a_plain_function() {
    let file = expand(quote! {
        impl Counter {
            #[init]
            async fn init(start: i64) -> Self { Counter { count: start } }
            /// Adds `n`.
            #[call]
            #[expect(clippy::cast_possible_wrap)]
            async fn add(&mut self, mut n: i64, _: u8) -> i64 { n += 1; self.count += n; self.count }
            #[cast]
            async fn pause(&mut self) { tokio::task::yield_now().await }
            #[cast]
            #[tracing::instrument]
            async fn traced(&mut self) {}
            #[info]
            async fn on_info(&mut self, info: Info) { let _ = info; }
        }
    });
    // The body moved into a private, hidden plain function with the same arguments.
    let now = user_fn(&file, "__beamish_now_add").expect("the plain function");
    assert!(now.sig.asyncness.is_none());
    assert!(matches!(now.vis, syn::Visibility::Inherited));
    let body = now.block.to_token_stream().to_string();
    assert!(body.contains("self . count += n"), "{body}");
    assert!(now.attrs.iter().any(|a| a.path().is_ident("expect")));
    // The user's method keeps its signature and docs, and calls it; its `expect` is an `allow`.
    let add = user_fn(&file, "add").expect("the user's method");
    assert!(add.sig.asyncness.is_some());
    assert!(add.attrs.iter().any(|a| a.path().is_ident("doc")));
    assert!(!add.attrs.iter().any(|a| a.path().is_ident("expect")));
    let call = add.block.to_token_stream().to_string();
    assert!(call.contains("__beamish_now_add"), "{call}");
    // A handler that waits, or carries an attribute that may change how it runs, stays async.
    assert!(user_fn(&file, "__beamish_now_pause").is_none());
    assert!(user_fn(&file, "__beamish_now_traced").is_none());
    // The dispatch calls the plain function without awaiting it, and awaits the others.
    let dispatch = items(&file)
        .into_iter()
        .find_map(|i| match i {
            syn::Item::Impl(imp) if imp.trait_.is_some() => {
                let text = imp.to_token_stream().to_string();
                text.contains("fn handle").then_some(text)
            }
            _ => None,
        })
        .expect("impl Actor");
    assert!(
        dispatch.contains("Self :: __beamish_now_add (self"),
        "{dispatch}"
    );
    assert!(!dispatch.contains("__beamish_now_add (self , __a0 , __a1) . await"));
    assert!(
        dispatch.contains("Self :: pause (self ,) . await"),
        "{dispatch}"
    );
    // So do the other handlers but `init`.
    assert!(user_fn(&file, "__beamish_now_on_info").is_some());
    assert!(user_fn(&file, "__beamish_now_init").is_none());
    let info = items(&file)
        .into_iter()
        .map(|i| i.to_token_stream().to_string())
        .find(|t| t.contains("fn handle_info"))
        .expect("handle_info");
    assert!(
        info.contains("Self :: __beamish_now_on_info (self , __info)"),
        "{info}"
    );
}
