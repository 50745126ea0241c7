//! The actor struct's visibility, read from the source file that holds the `impl` block.
//!
//! An attribute on an `impl` block never sees the struct, so the generated items would otherwise
//! need a `vis = …` option to match it. The file is parsed with syn; the `#[actor]` impl is found
//! among the file's inherent impls by its type name and method names, and the struct (or enum, or union) of
//! that name is looked up in the same scope, then in the blocks around it up to the enclosing
//! module — where the name in `impl Counter` resolves to. Anything unclear gives `None` and the
//! caller falls back to `pub`: no file (a doctest, an IDE), a file syn cannot parse, the impl not
//! found there (it came out of another macro), the struct in another module or file, or several
//! matching impls whose structs disagree.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use quote::ToTokens;
use syn::visit::Visit;

/// The visibility of the struct that `item` (an `#[actor]` impl of `ident`, written in `file`)
/// belongs to, if it can be told for sure.
pub(crate) fn of_struct(
    file: &Path,
    ident: &syn::Ident,
    item: &syn::ItemImpl,
) -> Option<syn::Visibility> {
    if !single_segment(&item.self_ty) {
        // `impl super::Counter`: the struct lives in another module, its visibility is relative
        // to that module and cannot be copied here.
        return None;
    }
    let summary = summary(file)?;
    let vis = summary.struct_vis(&ident.to_string(), &method_names(item))?;
    syn::parse_str(&vis).ok()
}

thread_local! {
    /// Summaries of the files read so far in this compilation, with the text they were made
    /// from: one file with many actors is parsed once, not once per actor.
    static SUMMARIES: RefCell<Vec<(PathBuf, String, Rc<Summary>)>> = const { RefCell::new(Vec::new()) };
}

/// How many files' summaries are kept.
const KEPT: usize = 8;

/// The summary of `file`, from the cache if the file still reads the same.
fn summary(file: &Path) -> Option<Rc<Summary>> {
    let text = std::fs::read_to_string(file).ok()?;
    let cached = SUMMARIES.with_borrow(|cache| {
        cache
            .iter()
            .find(|(path, seen, _)| path == file && *seen == text)
            .map(|(_, _, summary)| Rc::clone(summary))
    });
    if cached.is_some() {
        return cached;
    }
    let summary = Rc::new(Summary::of(&syn::parse_file(&text).ok()?));
    SUMMARIES.with_borrow_mut(|cache| {
        cache.retain(|(path, _, _)| path != file);
        if cache.len() == KEPT {
            cache.remove(0);
        }
        cache.push((file.to_path_buf(), text, Rc::clone(&summary)));
    });
    Some(summary)
}

/// What the lookup needs from a file, as plain strings: the compiler's tokens cannot outlive the
/// macro call that made them, so this is what can be kept between calls.
#[derive(Debug, Default)]
struct Summary {
    scopes: Vec<Scope>,
    /// The inherent impls of single-segment types.
    impls: Vec<InherentImpl>,
}

/// One place items can be declared: the file, a module, or a block.
#[derive(Debug)]
struct Scope {
    parent: Option<usize>,
    /// The file or an inline module (name lookup stops here), rather than a block.
    module: bool,
    /// `(name, visibility)` of the structs, enums and unions declared directly here; `None` for
    /// a name this scope gives some other meaning that the lookup cannot follow (a type alias,
    /// a `use`).
    defs: Vec<(String, Option<String>)>,
    /// A glob import here may bring any name into scope.
    glob: bool,
}

#[derive(Debug)]
struct InherentImpl {
    scope: usize,
    ident: String,
    methods: Vec<String>,
}

impl Summary {
    fn of(file: &syn::File) -> Self {
        let mut summary = Summary::default();
        summary.scopes.push(Scope {
            parent: None,
            module: true,
            defs: Vec::new(),
            glob: false,
        });
        Collector {
            summary: &mut summary,
            current: 0,
        }
        .visit_file(file);
        summary
    }

    /// The visibility of the struct `ident` behind the inherent impls of `ident` that have all
    /// of `methods` (`#[cfg]`-removed methods may be missing from the expanded impl, never
    /// extra), if they all agree on one.
    fn struct_vis(&self, ident: &str, methods: &[String]) -> Option<String> {
        let mut found: Option<&str> = None;
        let candidates = self
            .impls
            .iter()
            .filter(|i| i.ident == ident && methods.iter().all(|m| i.methods.contains(m)));
        for candidate in candidates {
            let vis = self.vis_from(candidate.scope, ident)?;
            match found {
                Some(seen) if seen != vis => return None,
                _ => found = Some(vis),
            }
        }
        found.map(str::to_owned)
    }

    /// The visibility of `ident` seen from `scope`: the nearest scope that declares it, not past
    /// the enclosing module. `None` if there is none, its declarations disagree, or it is not a
    /// struct, enum or union declared here; a glob import in a block on the way may shadow the
    /// outer declaration, so it ends the lookup too.
    fn vis_from(&self, mut scope: usize, ident: &str) -> Option<&str> {
        loop {
            let s = &self.scopes[scope];
            let mut defs = s.defs.iter().filter(|(name, _)| name == ident);
            if let Some((_, first)) = defs.next() {
                let first = first.as_deref()?;
                return defs
                    .all(|(_, v)| v.as_deref() == Some(first))
                    .then_some(first);
            }
            if s.module || s.glob {
                return None;
            }
            scope = s.parent?;
        }
    }
}

/// Fills a [`Summary`] while walking the file.
struct Collector<'a> {
    summary: &'a mut Summary,
    current: usize,
}

impl Collector<'_> {
    /// Runs `f` in a new child scope of the current one.
    fn nested(&mut self, module: bool, f: impl FnOnce(&mut Self)) {
        let parent = self.current;
        self.summary.scopes.push(Scope {
            parent: Some(parent),
            module,
            defs: Vec::new(),
            glob: false,
        });
        self.current = self.summary.scopes.len() - 1;
        f(self);
        self.current = parent;
    }

    fn define(&mut self, ident: &syn::Ident, vis: Option<&syn::Visibility>) {
        let vis = vis.map(|v| v.to_token_stream().to_string());
        self.summary.scopes[self.current]
            .defs
            .push((ident.to_string(), vis));
    }

    /// The names a `use` brings into this scope (an unknown meaning for the lookup).
    fn import(&mut self, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => self.import(&p.tree),
            syn::UseTree::Name(n) => self.define(&n.ident, None),
            syn::UseTree::Rename(r) => self.define(&r.rename, None),
            syn::UseTree::Glob(_) => self.summary.scopes[self.current].glob = true,
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.import(t)),
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_mod(&mut self, node: &'ast syn::ItemMod) {
        self.nested(true, |c| syn::visit::visit_item_mod(c, node));
    }

    fn visit_block(&mut self, node: &'ast syn::Block) {
        self.nested(false, |c| syn::visit::visit_block(c, node));
    }

    fn visit_item_struct(&mut self, node: &'ast syn::ItemStruct) {
        self.define(&node.ident, Some(&node.vis));
        syn::visit::visit_item_struct(self, node);
    }

    fn visit_item_enum(&mut self, node: &'ast syn::ItemEnum) {
        self.define(&node.ident, Some(&node.vis));
        syn::visit::visit_item_enum(self, node);
    }

    fn visit_item_union(&mut self, node: &'ast syn::ItemUnion) {
        self.define(&node.ident, Some(&node.vis));
        syn::visit::visit_item_union(self, node);
    }

    fn visit_item_type(&mut self, node: &'ast syn::ItemType) {
        self.define(&node.ident, None);
        syn::visit::visit_item_type(self, node);
    }

    fn visit_item_use(&mut self, node: &'ast syn::ItemUse) {
        self.import(&node.tree);
    }

    fn visit_item_impl(&mut self, node: &'ast syn::ItemImpl) {
        // Any inherent impl, whatever its attributes say (`#[actor]`, a renamed import of it,
        // `#[cfg_attr(…, actor)]`): the method names pick ours out, since two inherent impls of
        // one type cannot both define a method.
        if let (None, syn::Type::Path(p)) = (&node.trait_, &*node.self_ty)
            && single_segment(&node.self_ty)
            && let Some(last) = p.path.segments.last()
        {
            self.summary.impls.push(InherentImpl {
                scope: self.current,
                ident: last.ident.to_string(),
                methods: method_names(node),
            });
        }
        syn::visit::visit_item_impl(self, node);
    }
}

/// `Counter` or `Counter<T>`, not `a::Counter`.
fn single_segment(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1)
}

fn method_names(item: &syn::ItemImpl) -> Vec<String> {
    item.items
        .iter()
        .filter_map(|i| match i {
            syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The visibility found for the `#[actor] impl Counter` with methods `init` and `add`.
    fn lookup(source: &str) -> Option<String> {
        let file = syn::parse_file(source).expect("test source parses");
        Summary::of(&file).struct_vis("Counter", &["init".to_owned(), "add".to_owned()])
    }

    const IMPL: &str = "#[actor] impl Counter { #[init] async fn init() -> Self { Counter } #[call] async fn add(&mut self) {} }";

    #[test]
    fn struct_next_to_the_impl() {
        assert_eq!(
            lookup(&format!("pub(crate) struct Counter; {IMPL}")).as_deref(),
            Some("pub (crate)")
        );
        assert_eq!(
            lookup(&format!("{IMPL} pub struct Counter;")).as_deref(),
            Some("pub")
        );
        assert_eq!(
            lookup(&format!("struct Counter; {IMPL}")).as_deref(),
            Some("")
        );
        assert_eq!(
            lookup(&format!("pub(super) enum Counter {{ A }} {IMPL}")).as_deref(),
            Some("pub (super)")
        );
    }

    #[test]
    fn impl_inside_a_module_or_a_function() {
        let nested = format!("mod a {{ pub(in crate::a) struct Counter; mod b {{}} {IMPL} }}");
        assert_eq!(lookup(&nested).as_deref(), Some("pub (in crate :: a)"));
        let in_fn = format!("fn main() {{ struct Counter; {IMPL} }}");
        assert_eq!(lookup(&in_fn).as_deref(), Some(""));
        // The struct in the module, the impl in a function body of that module.
        let around = format!("pub(crate) struct Counter; fn f() {{ {{ {IMPL} }} }}");
        assert_eq!(lookup(&around).as_deref(), Some("pub (crate)"));
    }

    #[test]
    fn no_answer_when_the_struct_is_elsewhere_or_unclear() {
        // In another module: a `use` brings it in, its visibility is relative to that module.
        let other = format!("pub struct Counter; mod a {{ use super::Counter; {IMPL} }}");
        assert_eq!(lookup(&other), None);
        // No struct at all (it is in another file).
        assert_eq!(lookup(IMPL), None);
        // The impl is not in the file (another macro wrote it).
        assert_eq!(lookup("pub struct Counter;"), None);
        // Two matching impls whose structs disagree.
        let two =
            format!("mod a {{ pub struct Counter; {IMPL} }} mod b {{ struct Counter; {IMPL} }}");
        assert_eq!(lookup(&two), None);
        // A type alias, or a `use` or glob import in the function's block, shadows the module's
        // struct: the impl is of something else.
        for shadow in [
            "type Counter = Other;",
            "use other::Counter;",
            "use other::{a, Counter as Counter};",
            "use other::*;",
        ] {
            let source = format!("pub(crate) struct Counter; fn f() {{ {shadow} {IMPL} }}");
            assert_eq!(lookup(&source), None, "{shadow}");
        }
        // A glob import next to the struct in the same module does not hide it.
        let glob = format!("use other::*; pub(crate) struct Counter; {IMPL}");
        assert_eq!(lookup(&glob).as_deref(), Some("pub (crate)"));
        // A struct declared twice (under `#[cfg]`s) with different visibilities.
        let cfgs =
            format!("#[cfg(unix)] pub struct Counter; #[cfg(not(unix))] struct Counter; {IMPL}");
        assert_eq!(lookup(&cfgs), None);
    }

    #[test]
    fn other_impls_of_the_name_are_not_candidates() {
        // Same type name in two modules; only one impl has our methods.
        let source = format!(
            "mod a {{ pub struct Counter; #[actor] impl Counter {{ #[init] async fn init() -> Self {{ Counter }} }} }} \
             mod b {{ pub(crate) struct Counter; {IMPL} }}"
        );
        assert_eq!(lookup(&source).as_deref(), Some("pub (crate)"));
        // A trait impl with those methods is not ours; an impl under a renamed attribute is.
        let in_trait =
            "pub struct Counter; impl Tr for Counter { fn init() {} fn add(&mut self) {} }";
        assert_eq!(lookup(in_trait), None);
        let renamed = "pub(crate) struct Counter; #[gen_server] impl Counter { fn init() {} fn add(&mut self) {} }";
        assert_eq!(lookup(renamed).as_deref(), Some("pub (crate)"));
        // Agreeing candidates give their common answer.
        let agree =
            format!("mod a {{ struct Counter; {IMPL} }} mod b {{ struct Counter; {IMPL} }}");
        assert_eq!(lookup(&agree).as_deref(), Some(""));
    }

    #[test]
    fn of_struct_skips_qualified_types_and_sees_file_changes() {
        let dir = std::env::temp_dir().join(format!("beamish-struct-vis-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("qualified.rs");
        std::fs::write(&path, "pub struct Counter; #[actor] impl super::Counter {}")
            .expect("write");
        let ident = syn::Ident::new("Counter", proc_macro2::Span::call_site());
        let item: syn::ItemImpl = syn::parse_quote!(impl super::Counter {});
        assert!(of_struct(&path, &ident, &item).is_none());
        // The same file read through the cache, then changed on disk: the change is seen.
        let plain: syn::ItemImpl = syn::parse_quote!(impl Counter {});
        std::fs::write(&path, "pub(crate) struct Counter; #[actor] impl Counter {}")
            .expect("write");
        let vis = |item: &syn::ItemImpl| {
            of_struct(&path, &ident, item).map(|v| v.to_token_stream().to_string())
        };
        assert_eq!(vis(&plain).as_deref(), Some("pub (crate)"));
        assert_eq!(vis(&plain).as_deref(), Some("pub (crate)"));
        std::fs::write(&path, "struct Counter; #[actor] impl Counter {}").expect("write");
        assert_eq!(vis(&plain).as_deref(), Some(""));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn an_unreadable_file_gives_none() {
        let ident = syn::Ident::new("Counter", proc_macro2::Span::call_site());
        let item: syn::ItemImpl = syn::parse_quote!(impl Counter {});
        assert!(of_struct(Path::new("/nonexistent/beamish/x.rs"), &ident, &item).is_none());
    }
}
