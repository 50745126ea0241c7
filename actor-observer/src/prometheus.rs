//! `/metrics`: gauges and counters by actor type through the `metrics` facade, on the
//! observer's own Prometheus recorder, refreshed from `sys` at each scrape: live actors,
//! mailbox depth, messages received and dropped, and restarts per actor type; crashes; entries
//! per registry. (Calls and call timeouts are not counted: that would cost every call.)

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use actor_core::sys;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

pub(crate) struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// Actor types seen at an earlier scrape: their gauges go to 0 when the last one is gone.
    seen: Mutex<BTreeSet<&'static str>>,
}

#[derive(Default)]
struct ByType {
    actors: u64,
    queued: u64,
    received: u64,
    dropped: u64,
    restarts: u64,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        Metrics {
            recorder,
            handle,
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    pub(crate) fn render(&self) -> String {
        let mut by_type: BTreeMap<&'static str, ByType> = BTreeMap::new();
        for p in sys::processes() {
            let t = by_type.entry(p.type_name).or_default();
            t.actors += 1;
            t.queued += p.mailbox.len as u64;
            t.received += p.mailbox.received;
            t.dropped += p.mailbox.dropped;
            t.restarts += u64::from(p.restarts);
        }
        let crashes = sys::crashes().1;
        let registries = sys::registries();
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.extend(by_type.keys().copied());
        metrics::with_local_recorder(&self.recorder, || {
            for &name in seen.iter() {
                let t = by_type.get(name);
                let value = |f: fn(&ByType) -> u64| t.map_or(0, f) as f64;
                metrics::gauge!("beamish_actors", "type" => name).set(value(|t| t.actors));
                metrics::gauge!("beamish_mailbox_depth", "type" => name).set(value(|t| t.queued));
                metrics::gauge!("beamish_messages_received", "type" => name)
                    .set(value(|t| t.received));
                metrics::gauge!("beamish_mailbox_dropped", "type" => name)
                    .set(value(|t| t.dropped));
                metrics::gauge!("beamish_restarts", "type" => name).set(value(|t| t.restarts));
            }
            metrics::counter!("beamish_crashes_total").absolute(crashes);
            for registry in &registries {
                let label = registry
                    .name
                    .clone()
                    .unwrap_or_else(|| registry.id.to_string());
                metrics::gauge!("beamish_registry_entries", "registry" => label)
                    .set(registry.entries as f64);
            }
        });
        drop(seen);
        self.handle.render()
    }
}
