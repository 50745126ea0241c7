//! The `#[actor]` attribute of beamish.
use proc_macro::TokenStream;

/// Placeholder.
#[proc_macro_attribute]
pub fn actor(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
