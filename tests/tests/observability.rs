//! One tracing span per logical request, with what an operator needs, and no
//! secret in any span or event: not the token, the client secret or an
//! invitation password.

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use graph_core::drive::ItemLocator;
use graph_emulator::seed;
use tests::{Setup, app_client, invite_to};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Everything traced, as text: each span's name and fields, and each event.
#[derive(Clone, Default)]
struct Capture(Arc<Traced>);

#[derive(Default)]
struct Traced {
    next_id: AtomicU64,
    spans: Mutex<Vec<(String, Vec<String>)>>,
    events: Mutex<Vec<String>>,
}

struct Fields<'a>(&'a mut Vec<String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Vec::new();
        span.record(&mut Fields(&mut fields));
        let mut spans = self.0.spans.lock().unwrap();
        spans.push((span.metadata().name().to_owned(), fields));
        self.0.next_id.fetch_add(1, Ordering::SeqCst);
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.0.spans.lock().unwrap();
        if let Some((_, fields)) = spans.get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Fields(fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        self.0.events.lock().unwrap().push(fields.join(" "));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn each_request_has_one_span_with_its_outcome_and_no_secret() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let emulator = Setup::new().start_emulator().await;
    let client = app_client(&emulator, seed::CLIENT_SECRET);
    let item = ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let password = "Sup3r-secret-invite-pw";

    emulator.inject_next(503, Some("0"));
    client
        .send(&item.invite(invite_to(seed::LEE_EMAIL)))
        .await
        .unwrap();
    // A refused invite (password on a business drive) logs its failure too.
    let refused = invite_to(seed::LEE_EMAIL).with_password(password);
    let error = client.send(&item.invite(refused)).await.unwrap_err();
    assert_eq!(error.status(), Some(400));

    let spans = capture.0.spans.lock().unwrap().clone();
    let requests: Vec<&Vec<String>> = spans
        .iter()
        .filter(|(name, _)| name == "graph.request")
        .map(|(_, f)| f)
        .collect();
    assert_eq!(
        requests.len(),
        2,
        "one span per logical request: {spans:#?}"
    );
    let first = requests[0].join(" ");
    for expected in [
        "method=POST",
        "template=\"/drives/<drive_id>/items/<item_id>/invite\"",
        "attempts=2",
        "status=200",
        "request_id=",
    ] {
        assert!(first.contains(expected), "missing {expected} in {first}");
    }
    assert!(
        requests[1].join(" ").contains("status=400"),
        "{:?}",
        requests[1]
    );

    // The emulator issued a real token; find it to be sure it never shows.
    let token_answer = emulator
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/oauth2/v2.0/token"))
        .expect("a token was requested");
    assert!(
        token_answer.body.contains("client_secret="),
        "the secret went to the token endpoint"
    );

    let everything = format!("{spans:?} {:?}", capture.0.events.lock().unwrap());
    for secret in [seed::CLIENT_SECRET, password, "Bearer"] {
        assert!(
            !everything.contains(secret),
            "`{secret}` was traced: {everything}"
        );
    }
    assert!(
        !capture.0.events.lock().unwrap().is_empty(),
        "retries and failures are traced as events"
    );
}
