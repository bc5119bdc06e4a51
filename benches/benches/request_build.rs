//! Building one invite request: graph-core against a hand-written equivalent.
//!
//! What it measures: turning owned inputs (a `b!…` drive id, an item id, one
//! recipient email, a ~60-character message and the role `write`) into the
//! method, the percent-encoded path and the JSON body bytes of
//! `POST /drives/{drive-id}/items/{item-id}/invite`.
//!
//! * `graph_core`: `InviteBody::new(..).with_roles(..).with_message(..)`, the
//!   generated typestate builder of `Invite` on an `ItemLocator::drive`, then
//!   `Endpoint::to_request()` (validation, path encoding, body serialization).
//! * `hand_written`: the same checks by hand, `format!` of the path with a small
//!   percent-encoder for the ids, and `serde_json::to_vec` of a hand-written
//!   `#[derive(Serialize)]` struct with the same fields.
//!
//! Group `request_build_invite` times the two sides twice:
//!
//! * `graph_core` / `hand_written`: `iter_batched` hands each side the same
//!   owned `String`s (cloning them is not timed) and takes the request back
//!   (dropping it is not timed). This pair carries the target.
//! * `clone_in_iter/…`: steady state, one request built and dropped per
//!   iteration, with the same clone of the inputs inside the timing on both sides.
//!
//! Group `request_build_parts` splits the work (build and validate the values,
//! render the path, serialize the body) to show where a gap comes from. Before
//! anything is timed, both sides' method, path and body are asserted
//! byte-identical.
//!
//! Target: `graph_core` at most 1.10x `hand_written`. After criterion's report
//! the bench prints the ratios of criterion's estimates, then the median ratio
//! of an interleaved A/B run, which other load on the machine skews less.
//!
//! Run it with:
//!
//! ```text
//! cargo bench -p benchmarks --bench request_build
//! ```

use std::fmt;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use benchmarks::{is_benchmarking, load_average, median, turns, verdict};
use criterion::{BatchSize, Criterion};
use graph_core::drive::{DriveRecipient, Invite, InviteBody, ItemLocator, Role};
use graph_core::{Endpoint, Request};
use serde::Serialize;

/// Criterion group name; also the directory criterion writes estimates to.
const GROUP: &str = "request_build_invite";
/// The group timing the parts of the work separately.
const PARTS_GROUP: &str = "request_build_parts";
/// The target: library time over hand-written time.
const TARGET_RATIO: f64 = 1.10;

/// The owned values a caller would hold before building the request.
#[derive(Clone)]
struct Inputs {
    drive_id: String,
    item_id: String,
    email: String,
    message: String,
}

fn inputs() -> Inputs {
    Inputs {
        drive_id: "b!-RIj2DuyvEyV1T4NlOaMHk8XkS_I8MdFlUCq1BlcjgmhRfAj3-Z8RY2VpuvV_tpd".to_owned(),
        item_id: "01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K".to_owned(),
        email: "ryan.mcdonald@contoso.com".to_owned(),
        message: "Here's the Q3 planning deck for Thursday's review, thanks!".to_owned(),
    }
}

// ---------------------------------------------------------------- library --

/// The library's typed body.
fn library_body(email: String, message: String) -> InviteBody {
    InviteBody::new([DriveRecipient::email(email)])
        .with_roles([Role::Write])
        .with_message(message)
}

/// The endpoint value, through the generated typestate builder.
fn library_endpoint(inputs: Inputs) -> Invite {
    let Inputs {
        drive_id,
        item_id,
        email,
        message,
    } = inputs;
    Invite::builder()
        .item(ItemLocator::drive(drive_id, item_id))
        .invite(library_body(email, message))
        .build()
}

/// The library, end to end: builder, then `Endpoint::to_request`.
fn library(inputs: Inputs) -> Request {
    library_endpoint(inputs).to_request().expect("valid invite")
}

// ----------------------------------------------------------- hand-written --

/// What the hand-written version produces: the same three parts of a request.
#[derive(Debug)]
struct HandRequest {
    method: &'static str,
    path: String,
    body: Vec<u8>,
}

/// A rule broken by the inputs (never happens in the timed loop).
#[derive(Debug)]
struct HandError {
    #[allow(dead_code)] // read through `Debug` when an assertion fails
    field: &'static str,
}

struct HandIds {
    drive_id: String,
    item_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HandInvite {
    recipients: Vec<HandRecipient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    roles: Vec<HandRole>,
}

#[derive(Serialize)]
struct HandRecipient {
    email: String,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum HandRole {
    Write,
}

/// Graph's limit on the invitation message, in characters.
const HAND_MAX_MESSAGE_CHARS: usize = 2000;

/// A path segment percent-encoded on the fly inside `format!`: RFC 3986
/// `pchar` minus `:`, the same set graph-core keeps.
struct Segment<'a>(&'a str);

impl fmt::Display for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0.as_bytes();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&b);
            if !keep {
                // Kept bytes are ASCII, so `start..i` lies on char boundaries.
                if start < i {
                    f.write_str(&self.0[start..i])?;
                }
                write!(f, "%{b:02X}")?;
                start = i + 1;
            }
        }
        f.write_str(&self.0[start..])
    }
}

fn hand_values(inputs: Inputs) -> (HandIds, HandInvite) {
    let Inputs {
        drive_id,
        item_id,
        email,
        message,
    } = inputs;
    let ids = HandIds { drive_id, item_id };
    let invite = HandInvite {
        recipients: vec![HandRecipient { email }],
        message: Some(message),
        roles: vec![HandRole::Write],
    };
    (ids, invite)
}

fn hand_check_segment(field: &'static str, value: &str) -> Result<(), HandError> {
    match value {
        "" | "." | ".." => Err(HandError { field }),
        _ => Ok(()),
    }
}

/// The checks graph-core makes on this request, by hand.
fn hand_validate(ids: &HandIds, invite: &HandInvite) -> Result<(), HandError> {
    if invite.recipients.is_empty() {
        return Err(HandError {
            field: "recipients",
        });
    }
    if invite.recipients.iter().any(|r| r.email.trim().is_empty()) {
        return Err(HandError {
            field: "recipients[].email",
        });
    }
    if invite.roles.is_empty() {
        return Err(HandError { field: "roles" });
    }
    if let Some(message) = &invite.message
        && message.chars().count() > HAND_MAX_MESSAGE_CHARS
    {
        return Err(HandError { field: "message" });
    }
    hand_check_segment("drive_id", &ids.drive_id)?;
    hand_check_segment("item_id", &ids.item_id)
}

fn hand_path(ids: &HandIds) -> String {
    format!(
        "/drives/{}/items/{}/invite",
        Segment(&ids.drive_id),
        Segment(&ids.item_id)
    )
}

/// The hand-written equivalent: same checks, `format!` path, `serde_json::to_vec` body.
fn hand_written(inputs: Inputs) -> Result<HandRequest, HandError> {
    let (ids, invite) = hand_values(inputs);
    hand_validate(&ids, &invite)?;
    let path = hand_path(&ids);
    let body = serde_json::to_vec(&invite).map_err(|_| HandError { field: "body" })?;
    Ok(HandRequest {
        method: "POST",
        path,
        body,
    })
}

// ------------------------------------------------------------------ checks --

/// Both sides must produce the same request, byte for byte.
fn assert_same_output() {
    let input = inputs();
    let chars = input.message.chars().count();
    assert!((55..=65).contains(&chars), "message is {chars} characters");

    let lib = library(input.clone());
    let hand = hand_written(input).expect("valid inputs");
    assert_eq!(lib.method().as_str(), hand.method);
    assert_eq!(lib.path_and_query(), hand.path);
    assert_eq!(lib.body().expect("invite has a body"), &hand.body[..]);
    assert!(lib.headers().is_empty());

    // The encoders agree on ids that need escaping too.
    let awkward = Inputs {
        drive_id: "b!a b/c:d%e?f#g".to_owned(),
        item_id: "01é~!$&'()*+,;=@".to_owned(),
        ..inputs()
    };
    let lib = library(awkward.clone());
    let hand = hand_written(awkward).expect("valid inputs");
    assert_eq!(lib.path_and_query(), hand.path);
}

// ------------------------------------------------------------------- bench --

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group(GROUP);
    // Inputs moved in, request returned: neither cloning the inputs nor
    // dropping the request is timed.
    group.bench_function("graph_core", |b| {
        b.iter_batched(
            inputs,
            |input| library(black_box(input)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("hand_written", |b| {
        b.iter_batched(
            inputs,
            |input| hand_written(black_box(input)).expect("valid inputs"),
            BatchSize::SmallInput,
        )
    });
    // Steady state, as in a loop that builds and drops one request at a time:
    // the same clone of the inputs and drop of the request on both sides.
    let owned = inputs();
    group.bench_function("clone_in_iter/graph_core", |b| {
        b.iter(|| library(black_box(&owned).clone()))
    });
    group.bench_function("clone_in_iter/hand_written", |b| {
        b.iter(|| hand_written(black_box(&owned).clone()).expect("valid inputs"))
    });
    group.finish();
}

/// The three parts of the work, each side by side, to show where a gap comes
/// from: building and checking the values, rendering the path, writing the body.
fn bench_parts(c: &mut Criterion) {
    let mut group = c.benchmark_group(PARTS_GROUP);
    group.bench_function("build_and_validate/graph_core", |b| {
        b.iter_batched(
            inputs,
            |input| {
                let endpoint = library_endpoint(black_box(input));
                endpoint.validate().expect("valid invite");
                endpoint
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("build_and_validate/hand_written", |b| {
        b.iter_batched(
            inputs,
            |input| {
                let (ids, invite) = hand_values(black_box(input));
                hand_validate(&ids, &invite).expect("valid invite");
                (ids, invite)
            },
            BatchSize::SmallInput,
        )
    });

    let endpoint = library_endpoint(inputs());
    let (ids, invite) = hand_values(inputs());
    group.bench_function("path/graph_core", |b| {
        b.iter(|| black_box(&endpoint).path())
    });
    group.bench_function("path/hand_written", |b| {
        b.iter(|| hand_path(black_box(&ids)))
    });

    let Inputs { email, message, .. } = inputs();
    let body = library_body(email, message);
    group.bench_function("body/graph_core", |b| {
        b.iter(|| serde_json::to_vec(black_box(&body)).expect("serializable"))
    });
    group.bench_function("body/hand_written", |b| {
        b.iter(|| serde_json::to_vec(black_box(&invite)).expect("serializable"))
    });
    group.finish();
}

/// Where criterion writes its estimates, found the way criterion finds it.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("criterion")
}

/// Criterion's estimate for one function of a group, in nanoseconds, if this
/// run wrote it: the slope when criterion fitted one (what it prints), else the mean.
fn estimate_ns(group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let file = criterion_dir()
        .join(group)
        .join(function.replace('/', "_"))
        .join("new/estimates.json");
    let modified = std::fs::metadata(&file).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).ok()?).ok()?;
    json["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| json["mean"]["point_estimate"].as_f64())
}

/// Alternates short timed runs of the two sides and returns the median
/// per-round ratio and the median times: other processes slow both sides alike.
fn interleaved(rounds: usize, per_round: u32) -> (f64, Duration, Duration) {
    fn time<T>(per_round: u32, mut run: impl FnMut(Inputs) -> T) -> Duration {
        let batch: Vec<Inputs> = (0..per_round).map(|_| inputs()).collect();
        let mut outputs = Vec::with_capacity(batch.len());
        let start = Instant::now();
        for input in batch {
            outputs.push(run(black_box(input)));
        }
        let elapsed = start.elapsed();
        drop(black_box(outputs));
        elapsed / per_round
    }
    let mut ratios = Vec::with_capacity(rounds);
    let mut lib_times = Vec::with_capacity(rounds);
    let mut hand_times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let mut took = [Duration::ZERO; 2];
        for side in turns(round) {
            took[side] = if side == 0 {
                time(per_round, library)
            } else {
                time(per_round, |i| hand_written(i).expect("valid"))
            };
        }
        let [lib, hand] = took;
        ratios.push(lib.as_secs_f64() / hand.as_secs_f64());
        lib_times.push(lib);
        hand_times.push(hand);
    }
    (median(ratios), median(lib_times), median(hand_times))
}

/// Prints criterion's figures for `<prefix>graph_core` against `<prefix>hand_written`.
fn report_pair(group: &str, prefix: &str, since: SystemTime, target: Option<f64>) {
    let lib = estimate_ns(group, &format!("{prefix}graph_core"), since);
    let hand = estimate_ns(group, &format!("{prefix}hand_written"), since);
    let label = if prefix.is_empty() {
        "request".to_owned()
    } else {
        prefix.trim_end_matches('/').to_owned()
    };
    match (lib, hand) {
        (Some(lib), Some(hand)) => {
            let ratio = lib / hand;
            let verdict = target.map_or(String::new(), |t| format!(" -> {}", verdict(ratio, t)));
            println!(
                "  {label:<20} graph_core {lib:>7.1} ns  hand_written {hand:>7.1} ns  \
                 ratio {ratio:.3}x{verdict}"
            );
        }
        _ => println!("  {label:<20} no estimates from this run (filtered?)"),
    }
}

fn main() {
    assert_same_output();
    let started = SystemTime::now();

    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    bench_parts(&mut criterion);
    criterion.final_summary();

    if !is_benchmarking() {
        return;
    }
    println!();
    println!(
        "request_build: graph_core / hand_written, target <= {TARGET_RATIO:.2}x \
         (criterion estimates, from {})",
        criterion_dir().display()
    );
    report_pair(GROUP, "", started, Some(TARGET_RATIO));
    report_pair(GROUP, "clone_in_iter/", started, Some(TARGET_RATIO));
    for part in ["build_and_validate/", "path/", "body/"] {
        report_pair(PARTS_GROUP, part, started, None);
    }
    println!("  load average (1/5/15 min): {}", load_average());
    let (ratio, lib, hand) = interleaved(41, 20_000);
    println!(
        "  interleaved A/B, 41 rounds x 20000 (medians): graph_core {:.1} ns  \
         hand_written {:.1} ns  ratio {ratio:.3}x -> {}",
        lib.as_secs_f64() * 1e9,
        hand.as_secs_f64() * 1e9,
        verdict(ratio, TARGET_RATIO)
    );
}
