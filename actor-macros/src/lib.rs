//! The `#[actor]` attribute of beamish. Documented where users see it: `beamish::actor`.

mod args;
mod check;
mod errors;
mod expand;
mod fallback;
mod model;
mod parse;
mod paths;

use proc_macro::TokenStream;

/// Turns an `impl` block into an actor. See the `beamish` crate for the full documentation.
#[proc_macro_attribute]
pub fn actor(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::actor(args.into(), item.into()).into()
}
