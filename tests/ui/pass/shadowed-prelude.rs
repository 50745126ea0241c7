//! Generated code does not depend on the user's names: `Result`, `Option`, `Box`, `Vec`, `Send`
//! and `Clone` are shadowed here.
#![allow(dead_code)]

use beamish::prelude::*;

type Result<T> = ::core::result::Result<T, MyError>;
struct Option;
struct Box;
struct Vec;
trait Send {}
trait Clone {}

#[derive(Debug)]
struct MyError;

impl ::core::fmt::Display for MyError {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.write_str("my error")
    }
}

impl ::std::error::Error for MyError {}

struct Shadow {
    n: u8,
}

#[actor]
impl Shadow {
    #[init]
    async fn init(fail: bool) -> Result<Self> {
        if fail { Err(MyError) } else { Ok(Shadow { n: 1 }) }
    }

    #[call]
    async fn get(&self) -> Result<u8> {
        Ok(self.n)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let s = Shadow::start(false).await.unwrap();
    assert_eq!(s.get().await.unwrap().unwrap(), 1);
    let err = Shadow::start(true).await.unwrap_err();
    assert_eq!(err.to_string(), "init failed: my error");
    let source = ::std::error::Error::source(&err).expect("the init error is the source");
    assert!(source.is::<MyError>());
}
