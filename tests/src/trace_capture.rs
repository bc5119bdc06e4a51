//! Everything the client traces, as text, for tests that check no secret is logged.

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A subscriber that keeps every span's name and fields and every event.
///
/// ```
/// let capture = tests::TraceCapture::default();
/// let _guard = tracing::subscriber::set_default(capture.clone());
/// tracing::info!(answer = 42, "hello");
/// assert!(capture.text().contains("answer=42"));
/// ```
#[derive(Clone, Default)]
pub struct TraceCapture(Arc<Traced>);

#[derive(Default)]
struct Traced {
    next_id: AtomicU64,
    spans: Mutex<Vec<(String, Vec<String>)>>,
    events: Mutex<Vec<String>>,
}

impl TraceCapture {
    /// Every span so far: its name and its fields as `name=value`.
    pub fn spans(&self) -> Vec<(String, Vec<String>)> {
        self.0.spans.lock().expect("not poisoned").clone()
    }

    /// Every event so far, its fields as `name=value`.
    pub fn events(&self) -> Vec<String> {
        self.0.events.lock().expect("not poisoned").clone()
    }

    /// All spans and events so far, one per line.
    pub fn text(&self) -> String {
        let spans = self.0.spans.lock().expect("not poisoned");
        let events = self.0.events.lock().expect("not poisoned");
        spans
            .iter()
            .map(|(name, fields)| format!("{name} {}", fields.join(" ")))
            .chain(events.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

struct Fields<'a>(&'a mut Vec<String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

impl Subscriber for TraceCapture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Vec::new();
        span.record(&mut Fields(&mut fields));
        let mut spans = self.0.spans.lock().expect("not poisoned");
        spans.push((span.metadata().name().to_owned(), fields));
        self.0.next_id.fetch_add(1, Ordering::SeqCst);
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.0.spans.lock().expect("not poisoned");
        if let Some((_, fields)) = spans.get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Fields(fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        self.0
            .events
            .lock()
            .expect("not poisoned")
            .push(fields.join(" "));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
