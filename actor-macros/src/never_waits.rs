//! Whether a handler's body can never wait: no `.await` anywhere in it (closures and `async`
//! blocks included), and no macro that could hide one. Such a `#[call]` runs inline when its
//! actor is idle (`Actor::handle_inline`), its future polled once, where it is sure to be ready.
//!
//! The check reads tokens, not the parsed body, so that it also sees inside macro invocations:
//! an `await` token anywhere fails it, and so does any macro outside the list below (std's and
//! `tracing`'s formatting, assertion and compile-time macros, which expand to no `.await` of
//! their own).

use proc_macro2::{TokenStream, TokenTree};

/// Macros whose expansion never awaits (by name: a path to one, `std::println!`, is the same).
const NEVER_WAIT: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "cfg",
    "column",
    "concat",
    "debug",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "debug_span",
    "env",
    "eprint",
    "eprintln",
    "error",
    "error_span",
    "event",
    "file",
    "format",
    "format_args",
    "include_bytes",
    "include_str",
    "info",
    "info_span",
    "line",
    "matches",
    "module_path",
    "option_env",
    "panic",
    "print",
    "println",
    "span",
    "stringify",
    "todo",
    "trace",
    "trace_span",
    "unimplemented",
    "unreachable",
    "vec",
    "warn",
    "warn_span",
    "write",
    "writeln",
];

/// `true` if `body` has no `await` and calls only macros from [`NEVER_WAIT`].
pub(crate) fn never_waits(body: TokenStream) -> bool {
    let mut previous: Option<TokenTree> = None;
    let mut tokens = body.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match &token {
            TokenTree::Ident(ident) if ident == "await" => return false,
            TokenTree::Group(group) if !never_waits(group.stream()) => return false,
            // `name!(…)`, `name![…]`, `name!{…}`: a macro call (`a != b` is a joint `!`).
            TokenTree::Punct(bang)
                if bang.as_char() == '!'
                    && bang.spacing() == proc_macro2::Spacing::Alone
                    && matches!(tokens.peek(), Some(TokenTree::Group(_))) =>
            {
                if let Some(TokenTree::Ident(name)) = &previous
                    && !NEVER_WAIT.iter().any(|known| name == known)
                {
                    return false;
                }
            }
            _ => {}
        }
        previous = Some(token);
    }
    true
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::never_waits;

    #[test]
    fn a_body_without_await_or_foreign_macros_never_waits() {
        assert!(never_waits(quote! {
            self.count += n;
            tracing::debug!(n, "added");
            assert!(n != 0, "{}", format!("{n}"));
            if !self.flag { return vec![1]; }
            self.count
        }));
    }

    #[test]
    fn an_await_anywhere_can_wait() {
        assert!(!never_waits(quote!(self.other.call().await)));
        assert!(!never_waits(quote!(let f = async { x.await };)));
        assert!(!never_waits(quote!(println!("{}", fut.await))));
        assert!(!never_waits(quote!({ { tokio::task::yield_now().await } })));
    }

    #[test]
    fn a_macro_outside_the_list_can_wait() {
        assert!(!never_waits(quote!(tokio::select! { _ = a => 1 })));
        assert!(!never_waits(quote!(tokio::join!(a, b))));
        assert!(!never_waits(quote!(my_macro!())));
        assert!(!never_waits(quote!(vec![other!()])));
    }
}
