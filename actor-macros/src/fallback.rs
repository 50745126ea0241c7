//! What the macro emits when the input has errors: the user's `impl` block with our attributes
//! stripped, plus the errors, so the IDE and the rest of the crate keep working.

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::parse::strip_handler_attrs;

/// The errors, followed by `item` (an `impl` block or anything else) with `#[init]`, `#[call]`, …
/// removed.
pub(crate) fn expand(item: TokenStream, error: &syn::Error) -> TokenStream {
    let mut out = error.to_compile_error();
    match syn::parse2::<syn::ItemImpl>(item.clone()) {
        Ok(mut item) => {
            strip_handler_attrs(&mut item);
            item.to_tokens(&mut out);
        }
        Err(_) => out.extend(item),
    }
    out
}
