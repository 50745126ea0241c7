//! A raw NATS client posing as node `ghost` of a cluster: it writes control frames by hand, as a
//! buggy or hostile member could, and reads every frame sent to it on one subscription, so in
//! the order each node sent them.

use std::collections::HashMap;
use std::time::Duration;

use async_nats::HeaderMap;
use beamish::cluster::{NatsServer, Node};
use futures_util::StreamExt;

/// An answer's status byte: `ok`.
pub(crate) const OK: u8 = 0;
/// An answer's status byte: `noproc`.
pub(crate) const NOPROC: u8 = 1;
/// An answer's status byte: `exited`.
pub(crate) const EXITED: u8 = 2;

/// How long the ghost waits for a frame before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

pub(crate) struct Ghost {
    client: async_nats::Client,
    sub: async_nats::Subscriber,
    /// `bm.<cluster>.n.`
    prefix: String,
    /// The epoch the ghost claims.
    epoch: u64,
    next_token: u64,
    /// The actor ids named by the `watch` frames received so far, in order of arrival.
    pub(crate) watches: Vec<u64>,
    /// The answers received and not yet taken: status byte by reply token.
    answers: HashMap<u64, u8>,
}

impl Ghost {
    /// Connects to `server` as node `ghost` of `cluster`, incarnation `epoch`.
    pub(crate) async fn connect(server: &NatsServer, cluster: &str, epoch: u64) -> Ghost {
        let client = async_nats::connect(server.url()).await.expect("raw client");
        let prefix = format!("bm.{cluster}.n.");
        let sub = client
            .subscribe(format!("{prefix}ghost.>"))
            .await
            .expect("subscribe");
        client.flush().await.expect("flush");
        Ghost {
            client,
            sub,
            prefix,
            epoch,
            next_token: 0,
            watches: Vec::new(),
            answers: HashMap::new(),
        }
    }

    /// Sends control frame `op` to `node` with `headers` (and version, verb, and the ghost's
    /// actor `from` as sender); a request if `ask`, whose reply token is returned.
    async fn ctl(
        &mut self,
        node: &Node,
        op: &str,
        headers: &[(&str, String)],
        from: u64,
        ask: bool,
    ) -> u64 {
        let mut h = HeaderMap::new();
        h.insert("bm-v", "1");
        h.insert("bm-op", op);
        h.insert("bm-from", format!("ghost.{}.{from}", self.epoch).as_str());
        for (name, value) in headers {
            h.insert(*name, value.as_str());
        }
        let subject = format!("{}{}.ctl", self.prefix, node.name());
        self.next_token += 1;
        let token = self.next_token;
        let sent = if ask {
            let reply = format!("{}ghost.r.{token}", self.prefix);
            self.client
                .publish_with_reply_and_headers(subject, reply, h, bytes::Bytes::new())
                .await
        } else {
            self.client
                .publish_with_headers(subject, h, bytes::Bytes::new())
                .await
        };
        sent.expect("publish");
        token
    }

    /// Asks `node` to link its actor `target` (a local id) with the ghost's actor `from`.
    pub(crate) async fn link(&mut self, node: &Node, target: u64, from: u64) -> u64 {
        let headers = [
            ("bm-epoch", node.epoch().to_string()),
            ("bm-id", target.to_string()),
        ];
        self.ctl(node, "link", &headers, from, true).await
    }

    /// Asks `node` to re-send its watches of the ghost's actors.
    pub(crate) async fn audit(&mut self, node: &Node) {
        self.ctl(node, "audit", &[], 0, false).await;
    }

    /// A request that changes nothing (a `kill` of an actor that is not there), answered
    /// `noproc` once `node` has handled every frame the ghost sent it before.
    pub(crate) async fn marker(&mut self, node: &Node) -> u64 {
        let headers = [
            ("bm-epoch", node.epoch().to_string()),
            ("bm-id", u64::MAX.to_string()),
        ];
        self.ctl(node, "kill", &headers, 0, true).await
    }

    /// The status of the answer to request `token`, once it comes.
    pub(crate) async fn answer(&mut self, token: u64) -> u8 {
        loop {
            if let Some(status) = self.answers.remove(&token) {
                return status;
            }
            self.receive().await;
        }
    }

    /// Returns once `n` watches in all have come.
    pub(crate) async fn watched(&mut self, n: usize) {
        while self.watches.len() < n {
            self.receive().await;
        }
    }

    /// Takes the next frame sent to the ghost: a `watch` or an answer.
    async fn receive(&mut self) {
        let msg = tokio::time::timeout(PATIENCE, self.sub.next())
            .await
            .expect("a frame for the ghost")
            .expect("subscribed");
        let header = |name: &str| {
            msg.headers
                .as_ref()
                .and_then(|h| h.get(name))
                .map(|v| v.as_str().to_owned())
        };
        let reply = format!("{}ghost.r.", self.prefix);
        if let Some(token) = msg.subject.as_str().strip_prefix(reply.as_str()) {
            let token = token.parse().expect("a token of the ghost's");
            self.answers.insert(token, msg.payload[1]);
        } else if header("bm-op").as_deref() == Some("watch") {
            let id = header("bm-id").and_then(|id| id.parse().ok());
            self.watches.push(id.expect("a watch names an actor"));
        }
    }
}
