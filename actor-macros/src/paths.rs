//! The path generated code uses to reach the runtime: `::beamish::__private`, or
//! `<crate = path>::__private` when the user renamed the dependency.

use proc_macro2::TokenStream;
use quote::quote;

/// `#krate::__private`, the one module generated code names runtime items through.
pub(crate) fn private(krate: Option<&syn::Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::beamish::__private),
    }
}
