//! The options of `#[actor(...)]`: `restart`, `shutdown`, `mailbox`, `overflow`, `debug_state`,
//! `crate`, `vis`.

use std::time::Duration;

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;

use crate::errors::Errors;

/// The names of every option, for "expected one of" messages.
const OPTIONS: &str =
    "`restart`, `shutdown`, `mailbox`, `overflow`, `debug_state`, `remote`, `crate`, `vis`";

/// `restart = …`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Restart {
    Permanent,
    Transient,
    Temporary,
}

/// `shutdown = …`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shutdown {
    BrutalKill,
    Infinity,
    Timeout(Duration),
}

/// `overflow = …`: what a full bounded mailbox does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Overflow {
    Wait,
    Reject,
    DropNewest,
    DropOldest,
    Stop,
}

impl Overflow {
    /// The runtime's variant name.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Overflow::Wait => "Wait",
            Overflow::Reject => "Reject",
            Overflow::DropNewest => "DropNewest",
            Overflow::DropOldest => "DropOldest",
            Overflow::Stop => "Stop",
        }
    }
}

/// The parsed options; each `None` means the default.
#[derive(Default)]
pub(crate) struct ActorArgs {
    pub(crate) restart: Option<Restart>,
    pub(crate) shutdown: Option<Shutdown>,
    pub(crate) mailbox: Option<usize>,
    pub(crate) overflow: Option<Overflow>,
    /// `debug_state`: where it was written (a non-`Debug` state is reported there).
    pub(crate) debug_state: Option<syn::Path>,
    pub(crate) krate: Option<syn::Path>,
    pub(crate) vis: Option<syn::Visibility>,
    /// `remote` or `remote = "tag"`: where it was written, and the explicit tag.
    pub(crate) remote: Option<(syn::Path, Option<syn::LitStr>)>,
    /// Where `overflow` was written, for the error when there is no `mailbox` bound.
    overflow_at: Option<syn::Path>,
}

/// Sets `slot` once; a second occurrence of the option is an error at its name.
fn set_once<T>(errors: &mut Errors, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        let name = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        errors.push_spanned(&meta.path, format!("duplicate option `{name}`"));
    } else {
        *slot = Some(value);
    }
}

impl ActorArgs {
    /// Parses the attribute's arguments, recording every problem in `errors`.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> ActorArgs {
        let mut args = ActorArgs::default();
        let parser = syn::meta::parser(|meta| args.option(&meta, errors));
        if let Err(e) = syn::parse::Parser::parse2(parser, tokens) {
            errors.push(e);
        }
        if let (Some(at), None) = (&args.overflow_at, args.mailbox) {
            errors.push_spanned(
                at,
                "`overflow` applies to a bounded mailbox only: add `mailbox = N` (an unbounded mailbox never overflows)",
            );
        }
        args
    }

    /// A bounded mailbox whose casts wait for room (the default policy): casts are `async` and
    /// get `try_` variants.
    pub(crate) fn casts_wait(&self) -> bool {
        self.mailbox.is_some() && matches!(self.overflow, None | Some(Overflow::Wait))
    }

    fn option(&mut self, meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<()> {
        let name = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        match name.as_str() {
            "restart" => {
                let ident: syn::Ident = meta.value()?.parse()?;
                match ident.to_string().as_str() {
                    "permanent" => set_once(errors, &mut self.restart, Restart::Permanent, meta),
                    "transient" => set_once(errors, &mut self.restart, Restart::Transient, meta),
                    "temporary" => set_once(errors, &mut self.restart, Restart::Temporary, meta),
                    other => errors.push_spanned(
                        &ident,
                        format!(
                            "unknown restart policy `{other}`; expected `permanent`, `transient` or `temporary`"
                        ),
                    ),
                }
            }
            "shutdown" => {
                let value = meta.value()?;
                if value.peek(syn::LitStr) {
                    let lit: syn::LitStr = value.parse()?;
                    match parse_duration(&lit.value()) {
                        Some(d) => set_once(errors, &mut self.shutdown, Shutdown::Timeout(d), meta),
                        None => errors.push_spanned(
                            &lit,
                            "bad duration; expected a number with a unit, like \"500ms\", \"5s\" or \"1m\"",
                        ),
                    }
                } else {
                    let ident: syn::Ident = value.parse()?;
                    match ident.to_string().as_str() {
                        "brutal_kill" => {
                            set_once(errors, &mut self.shutdown, Shutdown::BrutalKill, meta);
                        }
                        "infinity" => set_once(errors, &mut self.shutdown, Shutdown::Infinity, meta),
                        other => errors.push_spanned(
                            &ident,
                            format!(
                                "unknown shutdown `{other}`; expected a duration like \"5s\", `brutal_kill` or `infinity`"
                            ),
                        ),
                    }
                }
            }
            "mailbox" => {
                let lit: syn::LitInt = meta.value()?.parse()?;
                match lit.base10_parse::<usize>() {
                    Ok(0) | Err(_) => {
                        errors.push_spanned(&lit, "`mailbox` must be a positive number of messages")
                    }
                    Ok(n) => set_once(errors, &mut self.mailbox, n, meta),
                }
            }
            "overflow" => {
                let ident: syn::Ident = meta.value()?.parse()?;
                let policy = match ident.to_string().as_str() {
                    "wait" => Some(Overflow::Wait),
                    "reject" => Some(Overflow::Reject),
                    "drop_newest" => Some(Overflow::DropNewest),
                    "drop_oldest" => Some(Overflow::DropOldest),
                    "stop" => Some(Overflow::Stop),
                    other => {
                        errors.push_spanned(
                            &ident,
                            format!(
                                "unknown overflow policy `{other}`; expected `wait`, `reject`, `drop_newest`, `drop_oldest` or `stop`"
                            ),
                        );
                        None
                    }
                };
                if let Some(policy) = policy {
                    self.overflow_at = Some(meta.path.clone());
                    set_once(errors, &mut self.overflow, policy, meta);
                }
            }
            "debug_state" => {
                if meta.input.peek(syn::Token![=]) {
                    errors.push_spanned(
                        &meta.path,
                        "`debug_state` takes no value: write `debug_state`",
                    );
                    let _: syn::Expr = meta.value()?.parse()?;
                } else {
                    set_once(errors, &mut self.debug_state, meta.path.clone(), meta);
                }
            }
            "remote" => {
                let tag = if meta.input.peek(syn::Token![=]) {
                    let tag: syn::LitStr = meta.value()?.parse()?;
                    if tag.value().is_empty() || tag.value().contains(char::is_whitespace) {
                        errors
                            .push_spanned(&tag, "a remote tag is a non-empty name without spaces");
                    }
                    Some(tag)
                } else {
                    None
                };
                set_once(errors, &mut self.remote, (meta.path.clone(), tag), meta);
            }
            "crate" => {
                let path: syn::Path = meta.value()?.call(syn::Path::parse_mod_style)?;
                set_once(errors, &mut self.krate, path, meta);
            }
            "vis" => {
                let vis: syn::Visibility = meta.value()?.parse()?;
                set_once(errors, &mut self.vis, vis, meta);
            }
            _ => {
                errors.push_spanned(
                    &meta.path,
                    format!(
                        "unknown option `{}`; expected one of {OPTIONS}",
                        display_path(&meta.path)
                    ),
                );
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                } else if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                    meta.parse_nested_meta(|inner| {
                        let _: TokenStream = inner.input.parse()?;
                        Ok(())
                    })?;
                }
            }
        }
        Ok(())
    }
}

fn display_path(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// `"250ms"`, `"5s"`, `"2m"` (also `"1.5s"`).
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: TokenStream) -> (ActorArgs, syn::Result<()>) {
        let mut errors = Errors::new();
        let args = ActorArgs::parse(tokens, &mut errors);
        (args, errors.finish())
    }

    #[test]
    fn options_parse() {
        let (args, result) = parse(quote!(
            restart = transient,
            shutdown = "250ms",
            mailbox = 8,
            crate = ::my_beamish
        ));
        assert!(result.is_ok());
        assert_eq!(args.restart, Some(Restart::Transient));
        assert_eq!(
            args.shutdown,
            Some(Shutdown::Timeout(Duration::from_millis(250)))
        );
        assert_eq!(args.mailbox, Some(8));
        assert!(args.krate.is_some());
    }

    #[test]
    fn every_bad_option_is_reported() {
        let (_, result) = parse(quote!(
            restrat = transient,
            restart = sometimes,
            mailbox = 0
        ));
        let messages: Vec<String> = result
            .expect_err("three errors")
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("unknown option `restrat`"));
        assert!(messages[1].starts_with("unknown restart policy `sometimes`"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5 parsecs"), None);
        assert_eq!(parse_duration("fast"), None);
    }
}
