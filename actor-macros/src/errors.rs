//! An error accumulator: every problem is reported at once, each at its own tokens (serde style).

use std::fmt::Display;

use quote::ToTokens;

/// Collects `syn::Error`s; [`finish`](Errors::finish) folds them into one.
pub(crate) struct Errors {
    errors: Option<syn::Error>,
    checked: bool,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Errors {
            errors: None,
            checked: false,
        }
    }

    /// Records an error spanned at `tokens`.
    pub(crate) fn push_spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error (possibly already combined).
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// `Err` with every recorded error, or `Ok`.
    pub(crate) fn finish(mut self) -> syn::Result<()> {
        self.checked = true;
        match self.errors.take() {
            Some(errors) => Err(errors),
            None => Ok(()),
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if !self.checked && !std::thread::panicking() {
            panic!("Errors dropped without `finish`");
        }
    }
}
