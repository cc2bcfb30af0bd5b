//! What the service counts for its operator (issue 23 item 4), in the
//! Prometheus text format: requests by route and status with latency
//! histograms (recorded by the HTTP layer), errors by stable code, job
//! durations and outcomes by kind, store and blob errors, SMS and push
//! sends. The job queue's depth and age are read from the store when the
//! page is asked for ([`queue_lines`]).
//!
//! One registry per process ([`global`]), like Prometheus clients' default
//! registry: every `App` in the process counts into it. Labels come from
//! fixed sets (route templates, codes, kinds), never from input, so the
//! number of series stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{LazyLock, Mutex};

use xuancai_store::Store;

/// Latency and duration buckets, seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A series' name and its labels, rendered (`name{a="x",b="y"}`).
type Key = (&'static str, String);

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Series {
    counters: BTreeMap<Key, u64>,
    histograms: BTreeMap<Key, Histogram>,
}

/// The registry.
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<Series>,
}

static GLOBAL: LazyLock<Metrics> = LazyLock::new(Metrics::default);

/// The process's registry.
pub fn global() -> &'static Metrics {
    &GLOBAL
}

/// What each metric means, for the `# HELP` lines.
fn help(name: &str) -> &'static str {
    match name {
        "xuancai_http_requests_total" => "HTTP requests by route template, method and status",
        "xuancai_http_request_duration_seconds" => "HTTP request latency by route template and method",
        "xuancai_http_errors_total" => "error answers by stable code (rate_limited, quota_exceeded, …)",
        "xuancai_jobs_finished_total" => "studio jobs finished by kind and outcome (done, failed, retry)",
        "xuancai_job_duration_seconds" => "studio job run time by kind",
        "xuancai_store_errors_total" => "database errors met by the use cases",
        "xuancai_blob_errors_total" => "blob store errors met by the use cases",
        "xuancai_sms_sent_total" => "one-time code SMS by purpose and outcome",
        "xuancai_push_sent_total" => "push notifications by outcome",
        _ => "",
    }
}

fn render_labels(labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| {
            let v = v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
            format!("{k}=\"{v}\"")
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Series) -> T) -> T {
        match self.series.lock() {
            Ok(mut s) => f(&mut s),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Add `n` to a counter.
    pub fn count(&self, name: &'static str, labels: &[(&str, &str)], n: u64) {
        let key = (name, render_labels(labels));
        self.with(|s| *s.counters.entry(key).or_default() += n);
    }

    /// Record one observation (seconds) in a histogram.
    pub fn observe(&self, name: &'static str, labels: &[(&str, &str)], seconds: f64) {
        let key = (name, render_labels(labels));
        self.with(|s| {
            let h = s.histograms.entry(key).or_default();
            for (i, le) in BUCKETS.iter().enumerate() {
                if seconds <= *le {
                    h.buckets[i] += 1;
                }
            }
            h.count += 1;
            h.sum += seconds;
        });
    }

    /// A counter's value (0 if never counted): for tests and the page.
    pub fn counter(&self, name: &'static str, labels: &[(&str, &str)]) -> u64 {
        let key = (name, render_labels(labels));
        self.with(|s| s.counters.get(&key).copied().unwrap_or(0))
    }

    /// Everything counted so far, in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.with(|s| {
            let mut last = "";
            for ((name, labels), v) in &s.counters {
                if *name != last {
                    let _ = writeln!(out, "# HELP {name} {}\n# TYPE {name} counter", help(name));
                    last = name;
                }
                let _ = writeln!(out, "{name}{labels} {v}");
            }
            last = "";
            for ((name, labels), h) in &s.histograms {
                if *name != last {
                    let _ = writeln!(out, "# HELP {name} {}\n# TYPE {name} histogram", help(name));
                    last = name;
                }
                // `le` joins the series' own labels.
                let with_le = |le: &str| match labels.strip_suffix('}') {
                    Some(open) => format!("{open},le=\"{le}\"}}"),
                    None => format!("{{le=\"{le}\"}}"),
                };
                for (i, le) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(out, "{name}_bucket{} {}", with_le(&le.to_string()), h.buckets[i]);
                }
                let _ = writeln!(out, "{name}_bucket{} {}", with_le("+Inf"), h.count);
                let _ = writeln!(out, "{name}_sum{labels} {}", h.sum);
                let _ = writeln!(out, "{name}_count{labels} {}", h.count);
            }
        });
        out
    }
}

/// The job queue as the store sees it now: jobs waiting and running by
/// kind, and how long the oldest waiting one has waited (seconds).
pub async fn queue_lines<S: Store>(store: &S, now: i64) -> Result<String, xuancai_store::StoreError> {
    let stats = store.queue_stats().await?;
    let mut out = String::from(
        "# HELP xuancai_jobs_queued studio jobs by kind and state (queued, running)\n# TYPE xuancai_jobs_queued gauge\n",
    );
    for s in &stats {
        let labels = render_labels(&[("kind", s.kind.as_str()), ("state", s.state.as_str())]);
        let _ = writeln!(out, "xuancai_jobs_queued{labels} {}", s.count);
    }
    out.push_str(
        "# HELP xuancai_job_oldest_queued_seconds how long the oldest waiting job of a kind has waited\n# TYPE xuancai_job_oldest_queued_seconds gauge\n",
    );
    for s in stats
        .iter()
        .filter(|s| s.state == xuancai_store::JobState::Queued)
    {
        let labels = render_labels(&[("kind", s.kind.as_str())]);
        let age = (now - s.oldest_created_at).max(0) as f64 / 1000.0;
        let _ = writeln!(out, "xuancai_job_oldest_queued_seconds{labels} {age}");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_has_types_buckets_and_escaped_labels() {
        let m = Metrics::default();
        m.count("xuancai_http_errors_total", &[("code", "rate_limited")], 2);
        m.count("xuancai_http_errors_total", &[("code", "a\"b")], 1);
        m.observe("xuancai_job_duration_seconds", &[("kind", "cutout")], 0.3);
        m.observe("xuancai_job_duration_seconds", &[("kind", "cutout")], 40.0);
        let text = m.render();
        assert!(
            text.contains("# TYPE xuancai_http_errors_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("xuancai_http_errors_total{code=\"rate_limited\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("xuancai_http_errors_total{code=\"a\\\"b\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("xuancai_job_duration_seconds_bucket{kind=\"cutout\",le=\"0.25\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("xuancai_job_duration_seconds_bucket{kind=\"cutout\",le=\"0.5\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("xuancai_job_duration_seconds_bucket{kind=\"cutout\",le=\"+Inf\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("xuancai_job_duration_seconds_count{kind=\"cutout\"} 2\n"),
            "{text}"
        );
        assert_eq!(text.matches("# TYPE xuancai_http_errors_total").count(), 1);
    }
}
