//! The supervision tree, from each actor's parent: a supervisor's children are the actors it
//! started linked (its supervised children).

use std::collections::HashMap;

use super::ProcessInfo;
use super::table::{all, info};
use crate::ActorId;

/// One actor in the tree, with the actors it parents.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TreeNode {
    /// The actor.
    pub info: ProcessInfo,
    /// Its children, in spawn order.
    pub children: Vec<TreeNode>,
}

/// The whole tree: one node per root (an actor with no live parent), in spawn order.
pub fn tree() -> Vec<TreeNode> {
    let infos: Vec<ProcessInfo> = all().iter().map(info).collect();
    let live: HashMap<ActorId, usize> = infos.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let mut children: HashMap<ActorId, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, p) in infos.iter().enumerate() {
        match p.parent.filter(|parent| live.contains_key(parent)) {
            Some(parent) => children.entry(parent).or_default().push(i),
            None => roots.push(i),
        }
    }
    roots
        .into_iter()
        .map(|i| build(i, &infos, &children))
        .collect()
}

/// The tree under one actor, or `None` if it is not alive.
pub fn tree_of(root: ActorId) -> Option<TreeNode> {
    fn find(nodes: Vec<TreeNode>, id: ActorId) -> Option<TreeNode> {
        let mut stack = nodes;
        while let Some(node) = stack.pop() {
            if node.info.id == id {
                return Some(node);
            }
            stack.extend(node.children);
        }
        None
    }
    find(tree(), root)
}

fn build(i: usize, infos: &[ProcessInfo], children: &HashMap<ActorId, Vec<usize>>) -> TreeNode {
    // Iterative, so that a deep chain of parents cannot overflow the stack.
    let mut order = vec![i];
    let mut at = 0;
    while at < order.len() {
        if let Some(kids) = children.get(&infos[order[at]].id) {
            order.extend(kids);
        }
        at += 1;
    }
    let mut built: HashMap<usize, TreeNode> = HashMap::new();
    for &n in order.iter().rev() {
        let kids = children
            .get(&infos[n].id)
            .map(|kids| kids.iter().filter_map(|k| built.remove(k)).collect())
            .unwrap_or_default();
        built.insert(
            n,
            TreeNode {
                info: infos[n].clone(),
                children: kids,
            },
        );
    }
    built.remove(&i).expect("the root was built")
}
