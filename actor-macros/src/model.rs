//! The model `#[actor]` works from: an actor definition and its handlers, each keeping the spans
//! of the tokens it came from so errors land on them.

/// Which attribute marked a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HandlerKind {
    Init,
    Call,
    Cast,
    Info,
    /// `#[continuation]`: `Actor::handle_continue` (`#[continue]` cannot be written: a keyword).
    Continue,
    Terminate,
}

impl HandlerKind {
    /// The attribute's name, as written.
    pub(crate) fn name(self) -> &'static str {
        match self {
            HandlerKind::Init => "init",
            HandlerKind::Call => "call",
            HandlerKind::Cast => "cast",
            HandlerKind::Info => "info",
            HandlerKind::Continue => "continuation",
            HandlerKind::Terminate => "terminate",
        }
    }

    /// Every handler attribute, for parsing.
    pub(crate) const ALL: [HandlerKind; 6] = [
        HandlerKind::Init,
        HandlerKind::Call,
        HandlerKind::Cast,
        HandlerKind::Info,
        HandlerKind::Continue,
        HandlerKind::Terminate,
    ];
}

/// How a handler takes `self`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ReceiverForm {
    /// No receiver at all.
    None,
    /// `&self`.
    Shared,
    /// `&mut self`.
    Mut,
    /// `self` or `mut self`.
    Value,
    /// `self: Type`.
    Typed,
}

/// One argument of a handler.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    /// A message field, passed by value.
    Value { ident: syn::Ident, ty: syn::Type },
    /// `ctx: &mut Context<Self>`.
    Ctx,
    /// `reply: ReplyTo<T>`: a deferred reply of type `T`.
    Reply { ty: syn::Type },
}

/// One method marked with a handler attribute.
#[derive(Clone, Debug)]
pub(crate) struct Handler {
    pub(crate) kind: HandlerKind,
    /// The handler attribute itself (`#[call]`), for errors about the handler as a whole.
    pub(crate) attr: syn::Attribute,
    /// `#[call(flatten)]`: the handle method returns the handler's `Result<T, E>` itself, a
    /// failed call turned into `E` through `From<CallError>`.
    pub(crate) flatten: bool,
    /// The body has no `.await` and no macro that could hide one (`never_waits`).
    pub(crate) never_waits: bool,
    /// A handler other than `#[init]`, on `&self`/`&mut self`, that cannot wait and carries no
    /// attribute that could change how it runs: its body moves into a plain function, which the
    /// generated `Actor` methods and the inline path call directly (`expand::now`).
    pub(crate) runs_now: bool,
    pub(crate) sig: syn::Signature,
    pub(crate) receiver: ReceiverForm,
    pub(crate) args: Vec<Arg>,
    /// `///` docs, copied to the message variant and the handle method.
    pub(crate) docs: Vec<syn::Attribute>,
    /// `#[cfg]`s, copied to everything generated for this handler.
    pub(crate) cfgs: Vec<syn::Attribute>,
}

impl Handler {
    pub(crate) fn ident(&self) -> &syn::Ident {
        &self.sig.ident
    }

    /// The name of its message variant: `add_item` → `AddItem`.
    pub(crate) fn variant_name(&self) -> String {
        let raw = self.ident().to_string();
        let raw = raw.strip_prefix("r#").unwrap_or(&raw);
        let mut name = String::with_capacity(raw.len());
        let mut upper = true;
        for c in raw.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                name.extend(c.to_uppercase());
                upper = false;
            } else {
                name.push(c);
            }
        }
        if name.is_empty() {
            name.push_str("Message");
        }
        name
    }

    /// The value arguments (message fields), in order.
    pub(crate) fn values(&self) -> impl Iterator<Item = (&syn::Ident, &syn::Type)> {
        self.args.iter().filter_map(|a| match a {
            Arg::Value { ident, ty } => Some((ident, ty)),
            _ => None,
        })
    }

    /// The deferred reply's type, if the handler takes a `ReplyTo<T>`.
    pub(crate) fn deferred_reply(&self) -> Option<&syn::Type> {
        self.args.iter().find_map(|a| match a {
            Arg::Reply { ty } => Some(ty),
            _ => None,
        })
    }

    /// Whether a call to it may run inline (`Actor::handle_inline`): a `#[call]` that cannot
    /// wait and takes no `ctx` (whose effects, a stop or a continuation, need the actor's loop).
    pub(crate) fn inline(&self) -> bool {
        self.kind == HandlerKind::Call
            && self.never_waits
            && matches!(self.receiver, ReceiverForm::Mut | ReceiverForm::Shared)
            && !self.args.iter().any(|a| matches!(a, Arg::Ctx))
    }

    /// The type a `#[call]` answers with: the deferred reply's type or the return type.
    pub(crate) fn reply_type(&self) -> syn::Type {
        if let Some(ty) = self.deferred_reply() {
            return ty.clone();
        }
        match &self.sig.output {
            syn::ReturnType::Default => syn::parse_quote!(()),
            syn::ReturnType::Type(_, ty) => (**ty).clone(),
        }
    }
}

/// The whole actor: its `impl` block (our attributes stripped) and its handlers.
pub(crate) struct ActorDef {
    pub(crate) item: syn::ItemImpl,
    /// The actor type's name (`Counter` in `impl Counter`), for generated names.
    pub(crate) ident: syn::Ident,
    pub(crate) handlers: Vec<Handler>,
}

impl ActorDef {
    pub(crate) fn of(&self, kind: HandlerKind) -> impl Iterator<Item = &Handler> {
        self.handlers.iter().filter(move |h| h.kind == kind)
    }

    pub(crate) fn one(&self, kind: HandlerKind) -> Option<&Handler> {
        self.of(kind).next()
    }

    /// `#[call]` and `#[cast]` handlers: the ones that become messages.
    pub(crate) fn messages(&self) -> impl Iterator<Item = &Handler> {
        self.handlers
            .iter()
            .filter(|h| matches!(h.kind, HandlerKind::Call | HandlerKind::Cast))
    }
}
