//! Compile time: 200 `#[graph_endpoint]` declarations against the same 200
//! written by hand against the `Endpoint` trait.
//!
//! What it measures: the clean `cargo build` (dev profile) of one generated
//! crate, in a workspace whose target dir already holds graph-core, the macro
//! and every dependency, so only the generated crate is compiled:
//!
//! * `gen_macro`: 200 structs under `#[graph_endpoint(...)]` (GET, POST, PATCH
//!   and DELETE; one to three placeholders, some catch-alls, query and header
//!   fields, body properties, whole bodies, `Option` fields), each getting the
//!   generated `Endpoint` impl and typestate builder;
//! * `gen_hand`: the same 200 structs with a plain `new(...)` constructor and
//!   `impl graph_core::Endpoint` written out with the public writers
//!   (`PathWriter`, `QueryWriter`, `HeaderWriter`, `BodyWriter`).
//!
//! The generator is deterministic (everything derives from the endpoint's
//! index). Before timing, a third crate, `gen_check`, builds every endpoint
//! both ways with the same values (all optional fields set, then none) and
//! asserts equal requests, so the two crates really describe the same API.
//! Then each crate is timed 3 times, alternating (`cargo clean -p <crate>`,
//! then `cargo build -p <crate>`, wall clock), and the medians are compared.
//!
//! Target (issue #9): the macro crate builds in at most 1.6x the hand-written
//! crate's time (it was 2x before).
//! It runs `cargo` itself and takes a minute or two the first time (graph-core
//! and its dependencies are built once into the generated workspace's target
//! dir), then about 15 s, so it stays out of CI: it does nothing unless started
//! by `cargo bench` (which passes `--bench`).
//!
//! ```text
//! cargo bench -p benchmarks --bench compile_time
//! ```
//!
//! The generated workspace lives in `<target>/tmp/compile-time-bench/` (its
//! own `target/` inside); the templates it is made from are in
//! `benches/compile-time/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How many endpoints each generated crate declares.
const DECLARATIONS: usize = 200;
/// Timed clean builds per crate.
const ROUNDS: usize = 3;
/// The target: macro build time over hand-written build time.
const TARGET_RATIO: f64 = 1.6;

const MACRO_CRATE: &str = "gen_macro";
const HAND_CRATE: &str = "gen_hand";
const CHECK_CRATE: &str = "gen_check";
const WARMUP_CRATE: &str = "warmup";

const WORKSPACE_TEMPLATE: &str = include_str!("../compile-time/workspace.toml.in");
const MEMBER_TEMPLATE: &str = include_str!("../compile-time/member.toml.in");
const WARMUP_SOURCE: &str = include_str!("../compile-time/warmup.rs");

// ------------------------------------------------------------------ model --

/// A field's Rust type, from the few the generated endpoints use.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Str,
    Strs,
    U32,
    Bool,
    Roles,
    Recipients,
    Invite,
    Update,
}

impl Ty {
    fn rust(self) -> &'static str {
        match self {
            Ty::Str => "String",
            Ty::Strs => "Vec<String>",
            Ty::U32 => "u32",
            Ty::Bool => "bool",
            Ty::Roles => "Vec<Role>",
            Ty::Recipients => "Vec<DriveRecipient>",
            Ty::Invite => "InviteBody",
            Ty::Update => "PermissionUpdate",
        }
    }

    /// Whether the type implements `graph_core::Validate` (checked before sending).
    fn validates(self) -> bool {
        matches!(self, Ty::Invite | Ty::Update)
    }

    /// A Rust expression of this type, for the equivalence check.
    fn sample(self, field: &str, index: usize, catch_all: bool) -> String {
        match self {
            Ty::Str if catch_all => format!("String::from(\"Docs {index}/Q3 plan.docx\")"),
            Ty::Str => format!("String::from(\"{field} {index}/é\")"),
            Ty::Strs => "vec![String::from(\"id\"), String::from(\"roles\")]".to_owned(),
            Ty::U32 => format!("{}u32", index + 1),
            Ty::Bool => "true".to_owned(),
            Ty::Roles => "vec![Role::Write]".to_owned(),
            Ty::Recipients => format!("vec![DriveRecipient::email(\"a{index}@contoso.com\")]"),
            Ty::Invite => format!(
                "InviteBody::new([DriveRecipient::email(\"b{index}@contoso.com\")])\
                 .with_roles([Role::Read]).with_message(\"m{index}\")"
            ),
            Ty::Update => "PermissionUpdate::new([Role::Owner])".to_owned(),
        }
    }
}

/// Where a field's value goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Path { catch_all: bool },
    Query(&'static str),
    Header(&'static str),
    Body,
    WholeBody,
}

struct FieldSpec {
    name: &'static str,
    ty: Ty,
    optional: bool,
    place: Place,
}

impl FieldSpec {
    fn new(name: &'static str, ty: Ty, optional: bool, place: Place) -> Self {
        Self {
            name,
            ty,
            optional,
            place,
        }
    }

    fn rust_type(&self) -> String {
        if self.optional {
            format!("Option<{}>", self.ty.rust())
        } else {
            self.ty.rust().to_owned()
        }
    }

    fn sample(&self, index: usize) -> String {
        let catch_all = matches!(self.place, Place::Path { catch_all: true });
        self.ty.sample(self.name, index, catch_all)
    }
}

enum Piece {
    Literal(String),
    Placeholder { name: &'static str, catch_all: bool },
}

struct Spec {
    index: usize,
    name: String,
    method: &'static str,
    pieces: Vec<Piece>,
    response: Option<&'static str>,
    fields: Vec<FieldSpec>,
}

impl Spec {
    fn template(&self) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Placeholder { name, catch_all } => {
                    let dots = if *catch_all { ".." } else { "" };
                    let _ = write!(out, "<{name}{dots}>");
                }
            }
        }
        out
    }

    fn method_variant(&self) -> &'static str {
        match self.method {
            "GET" => "Get",
            "POST" => "Post",
            "PATCH" => "Patch",
            _ => "Delete",
        }
    }

    fn doc(&self) -> String {
        format!(
            "/// Generated endpoint {}: `{} {}`.\n",
            self.index,
            self.method,
            self.template()
        )
    }
}

const ACTIONS: [&str; 10] = [
    "invite",
    "permissions",
    "children",
    "versions",
    "thumbnails",
    "preview",
    "checkin",
    "checkout",
    "follow",
    "restore",
];

/// Roots that hold one placeholder, and its field.
const ROOTS: [(&str, &str); 4] = [
    ("/drives/", "drive_id"),
    ("/groups/", "group_id"),
    ("/users/", "user_id"),
    ("/sites/", "site_id"),
];

/// Endpoint `i`, derived from `i` alone so the output is the same every run.
fn spec(i: usize) -> Spec {
    let method = ["GET", "POST", "PATCH", "DELETE"][i % 4];
    let placeholders = 1 + (i / 4) % 3;
    let catch_all = i % 5 == 2;
    let action = ACTIONS[(i / 3) % ACTIONS.len()];
    let mut pieces = Vec::new();
    let mut fields = Vec::new();
    let mut literal = String::new();
    let mut placeholder = |literal: &mut String, name, catch_all, pieces: &mut Vec<Piece>| {
        if !literal.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(literal)));
        }
        pieces.push(Piece::Placeholder { name, catch_all });
        fields.push(FieldSpec::new(
            name,
            Ty::Str,
            false,
            Place::Path { catch_all },
        ));
    };

    // The drive: no placeholder for one-placeholder paths, one otherwise.
    if placeholders == 1 {
        literal.push_str(if i.is_multiple_of(2) {
            "/me/drive"
        } else {
            "/drive"
        });
    } else {
        let (root, field) = ROOTS[(i / 12) % ROOTS.len()];
        literal.push_str(root);
        placeholder(&mut literal, field, false, &mut pieces);
        if field != "drive_id" {
            literal.push_str("/drive");
        }
    }
    // The item: by id, or by path from the root (a catch-all).
    if catch_all {
        literal.push_str("/root:/");
        placeholder(&mut literal, "item_path", true, &mut pieces);
        literal.push(':');
    } else {
        literal.push_str("/items/");
        placeholder(&mut literal, "item_id", false, &mut pieces);
    }
    // What under the item: a third placeholder, sometimes sharing its segment.
    if placeholders == 3 {
        if i.is_multiple_of(2) {
            literal.push_str("/permissions/");
            placeholder(&mut literal, "permission_id", false, &mut pieces);
        } else {
            literal.push_str("/versions/v");
            placeholder(&mut literal, "version_id", false, &mut pieces);
            literal.push_str(".json");
        }
    } else {
        literal.push('/');
        literal.push_str(action);
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }

    // Query and header fields, on any method.
    if i.is_multiple_of(3) {
        let place = Place::Query("$select");
        fields.push(FieldSpec::new("select", Ty::Strs, true, place));
    }
    if i.is_multiple_of(4) {
        fields.push(FieldSpec::new("top", Ty::U32, true, Place::Query("$top")));
    }
    if i % 7 == 1 {
        let place = Place::Query("$filter");
        fields.push(FieldSpec::new("filter", Ty::Str, true, place));
    }
    if i % 13 == 6 {
        fields.push(FieldSpec::new(
            "count",
            Ty::Bool,
            false,
            Place::Query("$count"),
        ));
    }
    if i % 3 == 1 {
        let place = Place::Header("Prefer");
        fields.push(FieldSpec::new("prefer", Ty::Str, true, place));
    }
    if i % 10 == 7 {
        let place = Place::Header("If-Match");
        fields.push(FieldSpec::new("if_match", Ty::Str, false, place));
    }
    if i % 11 == 3 {
        let place = Place::Header("ConsistencyLevel");
        fields.push(FieldSpec::new("consistency_level", Ty::Str, true, place));
    }

    // Bodies, on POST and PATCH only.
    let mut response = match method {
        "GET" if i.is_multiple_of(8) => Some("Collection<Permission>"),
        "DELETE" => None,
        _ => Some("Permission"),
    };
    match (method, i % 8) {
        ("POST", 1) => {
            fields.push(FieldSpec::new(
                "invite",
                Ty::Invite,
                false,
                Place::WholeBody,
            ));
            response = Some("InviteResponse");
        }
        ("POST", _) if (i / 8).is_multiple_of(3) => {
            let place = Place::WholeBody;
            fields.push(FieldSpec::new("update", Ty::Update, true, place));
        }
        ("POST", _) => {
            let body = Place::Body;
            fields.push(FieldSpec::new("recipients", Ty::Recipients, false, body));
            fields.push(FieldSpec::new("roles", Ty::Roles, false, body));
            fields.push(FieldSpec::new("message", Ty::Str, true, body));
            fields.push(FieldSpec::new("require_sign_in", Ty::Bool, true, body));
            fields.push(FieldSpec::new("send_invitation", Ty::Bool, true, body));
            response = Some("InviteResponse");
        }
        ("PATCH", 2) => {
            let place = Place::WholeBody;
            fields.push(FieldSpec::new("update", Ty::Update, false, place));
        }
        ("PATCH", _) => {
            let body = Place::Body;
            fields.push(FieldSpec::new("roles", Ty::Roles, false, body));
            fields.push(FieldSpec::new("expiration_date_time", Ty::Str, true, body));
            fields.push(FieldSpec::new("name", Ty::Str, true, body));
        }
        _ => {}
    }

    Spec {
        index: i,
        name: format!("Op{i:03}"),
        method,
        pieces,
        response,
        fields,
    }
}

/// One line saying what the generated endpoints contain.
fn mix(specs: &[Spec]) -> String {
    let count = |f: &dyn Fn(&Spec) -> bool| specs.iter().filter(|s| f(s)).count();
    let fields = |f: &dyn Fn(&FieldSpec) -> bool| {
        specs
            .iter()
            .flat_map(|s| &s.fields)
            .filter(|field| f(field))
            .count()
    };
    let placeholders = |n: usize| {
        count(&|s| {
            s.pieces
                .iter()
                .filter(|p| matches!(p, Piece::Placeholder { .. }))
                .count()
                == n
        })
    };
    format!(
        "GET {} / POST {} / PATCH {} / DELETE {}; 1/2/3 placeholders {}/{}/{}; \
         {} catch-alls; fields: {} total, {} optional, {} query, {} header, \
         {} body properties, {} whole bodies",
        count(&|s| s.method == "GET"),
        count(&|s| s.method == "POST"),
        count(&|s| s.method == "PATCH"),
        count(&|s| s.method == "DELETE"),
        placeholders(1),
        placeholders(2),
        placeholders(3),
        fields(&|f| matches!(f.place, Place::Path { catch_all: true })),
        fields(&|_| true),
        fields(&|f| f.optional),
        fields(&|f| matches!(f.place, Place::Query(_))),
        fields(&|f| matches!(f.place, Place::Header(_))),
        fields(&|f| f.place == Place::Body),
        fields(&|f| f.place == Place::WholeBody),
    )
}

// -------------------------------------------------------------- rendering --

const PRELUDE: &str = "#[allow(unused_imports)]\n\
use graph_core::drive::model::{\n    \
DriveRecipient, InviteBody, InviteResponse, Permission, PermissionUpdate, Role,\n};\n\
#[allow(unused_imports)]\n\
use graph_core::odata::Collection;\n";

fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Crate A: one `#[graph_endpoint]` struct per spec.
fn render_macro_crate(specs: &[Spec]) -> String {
    let mut out = String::from(
        "//! 200 endpoints declared with `#[graph_endpoint]` (generated by\n\
         //! benches/benches/compile_time.rs; do not edit).\n\n\
         use graph_core::graph_endpoint;\n",
    );
    out.push_str(PRELUDE);
    for spec in specs {
        out.push('\n');
        out.push_str(&spec.doc());
        let response = spec
            .response
            .map_or(String::new(), |r| format!(", response = {r}"));
        let _ = writeln!(
            out,
            "#[graph_endpoint({} \"{}\"{response})]",
            spec.method,
            spec.template()
        );
        let _ = writeln!(out, "pub struct {} {{", spec.name);
        for field in &spec.fields {
            match field.place {
                Place::Query(key) => {
                    let _ = writeln!(out, "    #[query(\"{key}\")]");
                }
                Place::Header(key) => {
                    let _ = writeln!(out, "    #[header(\"{key}\")]");
                }
                Place::WholeBody => out.push_str("    #[body]\n"),
                Place::Path { .. } | Place::Body => {}
            }
            let _ = writeln!(out, "    pub {}: {},", field.name, field.rust_type());
        }
        out.push_str("}\n");
    }
    out
}

/// Crate B: the same structs, a `new(...)` and `impl Endpoint` written out.
fn render_hand_crate(specs: &[Spec]) -> String {
    let mut out = String::from(
        "//! The same 200 endpoints written by hand against `graph_core::Endpoint`\n\
         //! (generated by benches/benches/compile_time.rs; do not edit).\n\n\
         use graph_core::request::{BodyError, BodyWriter, HeaderWriter, PathWriter, QueryWriter};\n\
         use graph_core::{Endpoint, Method, ValidationError};\n",
    );
    out.push_str(PRELUDE);
    for spec in specs {
        out.push('\n');
        out.push_str(&spec.doc());
        let _ = writeln!(out, "pub struct {} {{", spec.name);
        for field in &spec.fields {
            let _ = writeln!(out, "    pub {}: {},", field.name, field.rust_type());
        }
        out.push_str("}\n\n");

        // The constructor: required fields in declaration order, the rest `None`.
        let required: Vec<&FieldSpec> = spec.fields.iter().filter(|f| !f.optional).collect();
        let params: Vec<String> = required
            .iter()
            .map(|f| format!("{}: {}", f.name, f.ty.rust()))
            .collect();
        let inits: Vec<String> = spec
            .fields
            .iter()
            .map(|f| {
                if f.optional {
                    format!("{}: None", f.name)
                } else {
                    f.name.to_owned()
                }
            })
            .collect();
        let _ = writeln!(out, "impl {} {{", spec.name);
        // The inherent constant the macro gives a one-template declaration.
        let _ = writeln!(
            out,
            "    /// The path template.\n    pub const TEMPLATE: &'static str = \"{}\";",
            spec.template()
        );
        out.push_str(
            "    /// The request from its required fields; optional ones start as `None`.\n",
        );
        let _ = writeln!(
            out,
            "    pub fn new({}) -> Self {{\n        Self {{ {} }}\n    }}\n}}\n",
            params.join(", "),
            inits.join(", ")
        );

        let _ = writeln!(out, "impl Endpoint for {} {{", spec.name);
        let _ = writeln!(
            out,
            "    const METHOD: Method = Method::{};",
            spec.method_variant()
        );
        out.push_str("    const TEMPLATES: &'static [&'static str] = &[Self::TEMPLATE];\n");
        let _ = writeln!(
            out,
            "    type Response = {};\n",
            spec.response.unwrap_or("()")
        );

        out.push_str("    fn write_path(&self, path: &mut PathWriter) {\n");
        for piece in &spec.pieces {
            match piece {
                Piece::Literal(text) => {
                    let _ = writeln!(out, "        path.literal(\"{text}\");");
                }
                Piece::Placeholder { name, catch_all } => {
                    let call = if *catch_all { "catch_all" } else { "segment" };
                    let _ = writeln!(out, "        path.{call}(\"{name}\", &self.{name});");
                }
            }
        }
        out.push_str("    }\n");

        let pairs = |out: &mut String, header: bool| {
            for field in &spec.fields {
                let call = match (field.place, header) {
                    (Place::Query(key), false) => format!("query.pair(\"{key}\", VALUE);"),
                    (Place::Header(key), true) => {
                        format!("headers.header(\"{}\", \"{key}\", VALUE);", field.name)
                    }
                    _ => continue,
                };
                if field.optional {
                    let call = call.replace("VALUE", "value");
                    let _ = writeln!(
                        out,
                        "        if let Some(value) = &self.{} {{\n            {call}\n        }}",
                        field.name
                    );
                } else {
                    let value = format!("&self.{}", field.name);
                    let _ = writeln!(out, "        {}", call.replace("VALUE", &value));
                }
            }
        };
        if spec
            .fields
            .iter()
            .any(|f| matches!(f.place, Place::Query(_)))
        {
            out.push_str("\n    fn write_query(&self, query: &mut QueryWriter<'_>) {\n");
            pairs(&mut out, false);
            out.push_str("    }\n");
        }
        if spec
            .fields
            .iter()
            .any(|f| matches!(f.place, Place::Header(_)))
        {
            out.push_str("\n    fn write_headers(&self, headers: &mut HeaderWriter) {\n");
            pairs(&mut out, true);
            out.push_str("    }\n");
        }

        let body_fields: Vec<&FieldSpec> = spec
            .fields
            .iter()
            .filter(|f| matches!(f.place, Place::Body | Place::WholeBody))
            .collect();
        if !body_fields.is_empty() {
            out.push_str(
                "\n    fn write_body(&self, body: &mut BodyWriter) -> Result<(), BodyError> {\n",
            );
            if body_fields.iter().any(|f| f.place == Place::Body) {
                out.push_str("        body.open_object();\n");
            }
            for field in &body_fields {
                let call = match field.place {
                    Place::WholeBody => "body.whole(VALUE)?;".to_owned(),
                    _ => format!("body.field(\"{}\", VALUE)?;", camel_case(field.name)),
                };
                if field.optional {
                    let _ = writeln!(
                        out,
                        "        if let Some(value) = &self.{} {{\n            {}\n        }}",
                        field.name,
                        call.replace("VALUE", "value")
                    );
                } else {
                    let value = format!("&self.{}", field.name);
                    let _ = writeln!(out, "        {}", call.replace("VALUE", &value));
                }
            }
            out.push_str("        Ok(())\n    }\n");
        }

        // Body values with documented rules are checked, as the macro does.
        let checked: Vec<&&FieldSpec> = body_fields.iter().filter(|f| f.ty.validates()).collect();
        if !checked.is_empty() {
            out.push_str("\n    fn validate(&self) -> Result<(), ValidationError> {\n");
            for field in checked {
                if field.optional {
                    let _ = writeln!(
                        out,
                        "        if let Some(value) = &self.{} {{\n            value.validate()?;\n        }}",
                        field.name
                    );
                } else {
                    let _ = writeln!(out, "        self.{}.validate()?;", field.name);
                }
            }
            out.push_str("        Ok(())\n    }\n");
        }
        out.push_str("}\n");
    }
    out
}

/// Crate C: builds every endpoint both ways and asserts the same request.
fn render_check_crate(specs: &[Spec]) -> String {
    let mut out = String::from(
        "//! Builds each generated endpoint through the macro's builder and through the\n\
         //! hand-written `new`, with the same values, and asserts equal requests\n\
         //! (generated by benches/benches/compile_time.rs; do not edit).\n\n\
         use graph_core::Endpoint;\n",
    );
    out.push_str(PRELUDE);
    out.push_str(
        "\nfn same<A: Endpoint, B: Endpoint>(name: &str, a: &A, b: &B) {\n    \
         assert_eq!(A::METHOD, B::METHOD, \"{name}: method\");\n    \
         assert_eq!(A::TEMPLATES, B::TEMPLATES, \"{name}: templates\");\n    \
         assert_eq!(a.template(), b.template(), \"{name}: template\");\n    \
         assert_eq!(a.to_request().unwrap(), b.to_request().unwrap(), \"{name}: request\");\n\
         }\n\nfn main() {\n",
    );
    for spec in specs {
        for with_optional in [true, false] {
            let mut builder = format!("{MACRO_CRATE}::{}::builder()", spec.name);
            for field in spec.fields.iter().filter(|f| with_optional || !f.optional) {
                let _ = write!(builder, ".{}({})", field.name, field.sample(spec.index));
            }
            builder.push_str(".build()");
            let args: Vec<String> = spec
                .fields
                .iter()
                .filter(|f| !f.optional)
                .map(|f| f.sample(spec.index))
                .collect();
            let _ = writeln!(out, "    {{\n        let a = {builder};");
            let mutable = if with_optional && spec.fields.iter().any(|f| f.optional) {
                "mut "
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "        let {mutable}b = {HAND_CRATE}::{}::new({});",
                spec.name,
                args.join(", ")
            );
            if with_optional {
                for field in spec.fields.iter().filter(|f| f.optional) {
                    let _ = writeln!(
                        out,
                        "        b.{} = Some({});",
                        field.name,
                        field.sample(spec.index)
                    );
                }
            }
            let _ = writeln!(out, "        same(\"{}\", &a, &b);\n    }}", spec.name);
        }
    }
    let _ = writeln!(
        out,
        "    println!(\"{} endpoints: macro and hand-written requests are identical\");\n}}",
        specs.len()
    );
    out
}

// -------------------------------------------------------------- workspace --

struct Workspace {
    root: PathBuf,
    target: PathBuf,
}

fn write(path: &Path, contents: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create dir");
    }
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn member_manifest(name: &str, graph_core: &Path, dependencies: &str) -> String {
    MEMBER_TEMPLATE
        .replace("@NAME@", name)
        .replace("@GRAPH_CORE@", &graph_core.display().to_string())
        .replace("@DEPENDENCIES@", dependencies)
}

/// Writes the generated workspace; returns it and the line counts of A and B.
fn generate(specs: &[Spec]) -> (Workspace, usize, usize) {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compile-time-bench");
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let graph_core = manifest_dir
        .join("../graph-core")
        .canonicalize()
        .expect("graph-core next to benches/");
    let lock = manifest_dir.join("../Cargo.lock");

    let members = [WARMUP_CRATE, MACRO_CRATE, HAND_CRATE, CHECK_CRATE]
        .map(|m| format!("\"{m}\""))
        .join(", ");
    write(
        &root.join("Cargo.toml"),
        &WORKSPACE_TEMPLATE.replace("@MEMBERS@", &members),
    );
    // graph-rs's lock file pins every dependency to the versions already built and cached.
    std::fs::copy(&lock, root.join("Cargo.lock")).expect("copy Cargo.lock");

    write(
        &root.join(WARMUP_CRATE).join("Cargo.toml"),
        &member_manifest(WARMUP_CRATE, &graph_core, ""),
    );
    write(&root.join(WARMUP_CRATE).join("src/lib.rs"), WARMUP_SOURCE);

    let macro_src = render_macro_crate(specs);
    let hand_src = render_hand_crate(specs);
    for (name, src) in [(MACRO_CRATE, &macro_src), (HAND_CRATE, &hand_src)] {
        write(
            &root.join(name).join("Cargo.toml"),
            &member_manifest(name, &graph_core, ""),
        );
        write(&root.join(name).join("src/lib.rs"), src);
    }
    let deps = format!(
        "{MACRO_CRATE} = {{ path = \"../{MACRO_CRATE}\" }}\n{HAND_CRATE} = {{ path = \"../{HAND_CRATE}\" }}"
    );
    write(
        &root.join(CHECK_CRATE).join("Cargo.toml"),
        &member_manifest(CHECK_CRATE, &graph_core, &deps),
    );
    write(
        &root.join(CHECK_CRATE).join("src/main.rs"),
        &render_check_crate(specs),
    );

    let target = root.join("target");
    (
        Workspace { root, target },
        macro_src.lines().count(),
        hand_src.lines().count(),
    )
}

// ------------------------------------------------------------------ cargo --

impl Workspace {
    /// `cargo <args>` in the generated workspace, with its own target dir and
    /// none of the outer cargo's jobserver or target settings.
    fn cargo(&self, args: &[&str]) -> Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .args(args)
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_TERM_COLOR", "never")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env_remove("CARGO_MAKEFLAGS")
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .stdin(Stdio::null());
        command
    }

    /// Runs cargo, panicking with its output when it fails; returns the wall time.
    fn run(&self, args: &[&str]) -> Duration {
        let start = Instant::now();
        let output = self
            .cargo(args)
            .output()
            .unwrap_or_else(|e| panic!("cargo {}: {e}", args.join(" ")));
        let elapsed = start.elapsed();
        if !output.status.success() {
            panic!(
                "`cargo {}` failed in {}:\n{}{}",
                args.join(" "),
                self.root.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        elapsed
    }

    /// One clean build of `krate`: its own artifacts removed, dependencies kept.
    fn clean_build(&self, krate: &str) -> Duration {
        self.run(&["clean", "-p", krate]);
        self.run(&["build", "-p", krate])
    }
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The 1-minute load average, to judge whether other work skewed the timings.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn seconds(times: &[Duration]) -> String {
    times
        .iter()
        .map(|t| format!("{:.2}", t.as_secs_f64()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn main() {
    // `cargo test --benches` / `--all-targets` runs bench targets without
    // `--bench`: this one needs minutes and a nested cargo, so it stays out.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "compile_time: skipped (run it with `cargo bench -p benchmarks --bench compile_time`)"
        );
        return;
    }

    let load_before = load_average();
    let specs: Vec<Spec> = (0..DECLARATIONS).map(spec).collect();
    let (workspace, macro_lines, hand_lines) = generate(&specs);
    println!(
        "compile_time: generated {} in {}",
        [MACRO_CRATE, HAND_CRATE, CHECK_CRATE].join(", "),
        workspace.root.display()
    );
    println!("  {DECLARATIONS} endpoints: {}", mix(&specs));

    // Dependencies first (graph-core, the macro, everything else), untimed.
    let warm = workspace.run(&["build", "-p", WARMUP_CRATE]);
    println!(
        "  warm-up build of graph-core and dependencies: {:.1} s",
        warm.as_secs_f64()
    );
    // Equivalence: both crates give the same requests. Also builds both once.
    workspace.run(&["run", "-q", "-p", CHECK_CRATE]);
    println!("  gen_check: macro and hand-written endpoints build identical requests");

    let mut macro_times = Vec::new();
    let mut hand_times = Vec::new();
    for round in 0..ROUNDS {
        let order = if round % 2 == 0 {
            [MACRO_CRATE, HAND_CRATE]
        } else {
            [HAND_CRATE, MACRO_CRATE]
        };
        for krate in order {
            let time = workspace.clean_build(krate);
            println!(
                "  round {}: {krate:<9} clean build {:.2} s",
                round + 1,
                time.as_secs_f64()
            );
            if krate == MACRO_CRATE {
                macro_times.push(time);
            } else {
                hand_times.push(time);
            }
        }
    }

    // What cargo itself adds to each timed build: a no-op build of a fresh crate.
    let noop = median(
        (0..ROUNDS)
            .map(|_| workspace.run(&["build", "-p", HAND_CRATE]))
            .collect(),
    );

    let macro_median = median(macro_times.clone());
    let hand_median = median(hand_times.clone());
    let ratio = macro_median.as_secs_f64() / hand_median.as_secs_f64();
    let verdict = if ratio <= TARGET_RATIO {
        "PASS"
    } else {
        "FAIL"
    };
    let rustc = command_output("rustc", &["-V"]);
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());

    println!();
    println!("| measure                        | value |");
    println!("| ------------------------------ | ----- |");
    println!("| declarations                   | {DECLARATIONS} |");
    println!(
        "| macro build (median of {ROUNDS}), s   | {:.2} ({}) |",
        macro_median.as_secs_f64(),
        seconds(&macro_times)
    );
    println!(
        "| hand-written build (median), s | {:.2} ({}) |",
        hand_median.as_secs_f64(),
        seconds(&hand_times)
    );
    println!("| ratio                          | {ratio:.2}x |");
    println!("| target                         | <= {TARGET_RATIO:.1}x: {verdict} |");
    println!("| generated lines, macro crate   | {macro_lines} |");
    println!("| generated lines, hand crate    | {hand_lines} |");
    println!("| machine                        | nproc {nproc}, {rustc} |");
    println!(
        "| load average (1 min)           | {load_before} before, {} after |",
        load_average()
    );
    println!();
    println!(
        "Times are wall clock of `cargo build -p <crate>` after `cargo clean -p <crate>`; \
         a no-op `cargo build` takes {:.2} s of that. Without it the ratio is {:.2}x.",
        noop.as_secs_f64(),
        (macro_median.as_secs_f64() - noop.as_secs_f64())
            / (hand_median.as_secs_f64() - noop.as_secs_f64())
    );
}
