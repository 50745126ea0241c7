//! The handle of a private actor struct is private too: outside its module it cannot be named.
mod inner {
    use beamish::prelude::*;

    struct Secret;

    #[actor]
    impl Secret {
        #[init]
        async fn init() -> Self {
            Secret
        }

        #[call]
        async fn reveal(&self) -> u8 {
            42
        }
    }
}

fn main() {
    let _handle: Option<inner::SecretHandle> = None;
}
