//! `#[call(flatten)]`: a handler returning `Result<T, E>` with `E: From<CallError>` gives a handle
//! method returning `Result<T, E>` — the handler's error and the call's failure in one error type,
//! so `?` works on both at once.
#![deny(clippy::pedantic)]

use std::time::Duration;

use beamish::prelude::*;

/// What can go wrong with an account: its own errors, and the call to it.
#[derive(Debug, PartialEq)]
pub enum BankError {
    /// Not enough money.
    Insufficient {
        /// What there is.
        balance: u64,
    },
    /// The account actor could not answer.
    Unavailable(CallError),
}

impl From<CallError> for BankError {
    fn from(e: CallError) -> Self {
        BankError::Unavailable(e)
    }
}

/// A bank account.
#[derive(Debug)]
pub(crate) struct Account {
    balance: u64,
    parked: Option<ReplyTo<Result<u64, BankError>>>,
}

#[actor]
impl Account {
    #[init]
    async fn init(balance: u64) -> Self {
        Account {
            balance,
            parked: None,
        }
    }

    /// Takes `amount` out; the new balance.
    #[call(flatten)]
    async fn withdraw(&mut self, amount: u64) -> Result<u64, BankError> {
        if amount > self.balance {
            return Err(BankError::Insufficient {
                balance: self.balance,
            });
        }
        self.balance -= amount;
        Ok(self.balance)
    }

    /// Keeps the reply and never answers: a deferred reply flattens the same way.
    #[call(flatten)]
    async fn slow_balance(&mut self, reply: ReplyTo<Result<u64, BankError>>) {
        self.parked = Some(reply);
    }

    /// Not flattened: the nested result, as before.
    #[call]
    async fn check(&mut self, amount: u64) -> Result<u64, BankError> {
        if amount > self.balance {
            Err(BankError::Insufficient {
                balance: self.balance,
            })
        } else {
            Ok(self.balance)
        }
    }

    #[cast]
    async fn crash(&mut self) {
        panic!("account lost");
    }
}

/// Moves money with `?` over both the handler's error and the call's.
async fn pay(from: &AccountHandle, amount: u64) -> Result<u64, BankError> {
    let left = from.withdraw(amount).await?;
    Ok(left)
}

#[tokio::test]
async fn the_handlers_error_and_the_calls_failure_share_one_type() {
    let account = Account::start(10).await.unwrap();
    assert_eq!(pay(&account, 4).await, Ok(6));
    assert_eq!(
        account.withdraw(7).await,
        Err(BankError::Insufficient { balance: 6 })
    );
    // Without `flatten`, the nested result.
    let nested: Result<Result<u64, BankError>, CallError> = account.check(7).await;
    assert_eq!(nested, Ok(Err(BankError::Insufficient { balance: 6 })));

    account.crash().unwrap();
    let reason = account.wait().await;
    assert_eq!(reason, ExitReason::Panic("account lost".into()));
    // A dead actor: the call's `NoProc`, through `From<CallError>`.
    assert_eq!(
        account.withdraw(1).await,
        Err(BankError::Unavailable(CallError::NoProc))
    );
}

#[tokio::test(start_paused = true)]
async fn a_timeout_becomes_the_handlers_error() {
    let account = Account::start(10).await.unwrap();
    // The handler keeps its `ReplyTo` and never answers: the call times out (virtual time).
    let quick = account.with_timeout(Duration::from_millis(50));
    let answer = quick.slow_balance().await;
    assert_eq!(answer, Err(BankError::Unavailable(CallError::Timeout)));
    assert!(account.is_alive());
    account.stop(ExitReason::Normal).await.unwrap();
}

#[tokio::test]
async fn named_handles_flatten_too() {
    let names = Registry::<String>::new(Keys::Unique);
    let account = Account::start_via(&names, "acct".to_string(), 5)
        .await
        .unwrap();
    let by_name = Account::via(&names, "acct".to_string());
    assert_eq!(by_name.withdraw(2).await, Ok(3));
    account.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(
        by_name.withdraw(1).await,
        Err(BankError::Unavailable(CallError::NoProc))
    );
}
