//! A generic actor with bounds on the impl and a where-clause.
use beamish::prelude::*;

struct Stack<T> {
    items: Vec<T>,
}

#[actor]
impl<T> Stack<T>
where
    T: Clone + Send + Sync + 'static,
{
    #[init]
    async fn init(items: Vec<T>) -> Self {
        Stack { items }
    }

    #[call]
    async fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    #[cast]
    async fn push(&mut self, item: T) {
        self.items.push(item);
    }

    #[call]
    async fn len(&self) -> usize {
        self.items.len()
    }
}

struct Pair<A: Send + 'static, B: Send + 'static> {
    a: Option<A>,
    b: Option<B>,
}

#[actor]
impl<A: Send + 'static, B: Send + 'static> Pair<A, B> {
    #[init]
    async fn init() -> Self {
        Pair { a: None, b: None }
    }

    #[cast]
    async fn set_a(&mut self, a: A) {
        self.a = Some(a);
    }

    #[call]
    async fn has_both(&self) -> bool {
        self.a.is_some() && self.b.is_some()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let s = Stack::<String>::start(vec!["a".to_string()]).await.unwrap();
    s.push("b".to_string()).unwrap();
    assert_eq!(s.len().await.unwrap(), 2);
    assert_eq!(s.pop().await.unwrap().as_deref(), Some("b"));
    let h: StackHandle<String> = s.clone();
    assert_eq!(h, s);

    let p = Pair::<u8, String>::start(()).await.unwrap();
    p.set_a(1).unwrap();
    assert!(!p.has_both().await.unwrap());
}
