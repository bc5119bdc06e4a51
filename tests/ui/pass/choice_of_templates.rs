use graph_core::{graph_endpoint, Endpoint, Method};

/// A user's own address enum: struct, unit and raw-identifier variants.
#[derive(Debug, Clone)]
pub enum Place {
    Mine { item_id: String },
    Drive { drive_id: String, item_id: String },
    ByPath { r#type: String, item_path: String },
    Root,
}

#[allow(non_upper_case_globals)]
const item_id: &str = "a constant named like a variant's field does not capture the binding";

/// A field placeholder (`<permission_id>`) in every template, variant placeholders,
/// a catch-all from a variant, a query field and a body field.
#[graph_endpoint(PATCH match r#where {
    Place::Mine => "/me/drive/items/<item_id>/permissions/<permission_id>",
    Place::Drive => "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>",
    Place::ByPath => "/<type>/root:/<item_path..>:/permissions/<permission_id>",
    Place::Root => "/me/drive/root/permissions/<permission_id>",
}, response = ())]
#[derive(Debug)]
struct UpdatePermission {
    r#where: Place,
    permission_id: String,
    #[query("$select")]
    select: Option<String>,
    roles: Vec<String>,
}

fn main() {
    let _ = item_id;
    assert_eq!(UpdatePermission::METHOD, Method::Patch);
    assert_eq!(UpdatePermission::TEMPLATES.len(), 4);
    let update = |place: Place| {
        UpdatePermission::builder()
            .r#where(place)
            .permission_id("p 1")
            .roles(vec!["read".to_owned()])
            .build()
    };
    let cases = [
        (
            Place::Mine { item_id: "01A".into() },
            "/me/drive/items/<item_id>/permissions/<permission_id>",
            "/me/drive/items/01A/permissions/p%201",
        ),
        (
            Place::Drive { drive_id: "b!x".into(), item_id: "01 B".into() },
            "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>",
            "/drives/b!x/items/01%20B/permissions/p%201",
        ),
        (
            Place::ByPath { r#type: "drive".into(), item_path: "Docs/Q3 #1.xlsx".into() },
            "/<type>/root:/<item_path..>:/permissions/<permission_id>",
            "/drive/root:/Docs/Q3%20%231.xlsx:/permissions/p%201",
        ),
        (Place::Root, "/me/drive/root/permissions/<permission_id>", "/me/drive/root/permissions/p%201"),
    ];
    for (place, template, path) in cases {
        let endpoint = update(place);
        assert_eq!(endpoint.template(), template);
        assert_eq!(endpoint.path(), path);
        let request = Endpoint::to_request(&endpoint).unwrap();
        assert_eq!(request.template(), template);
        assert_eq!(request.body().unwrap(), br#"{"roles":["read"]}"#);
    }
    // A variant's value is checked like any placeholder's, before sending.
    let climbing = update(Place::Drive { drive_id: "..".into(), item_id: "01A".into() });
    let err = Endpoint::to_request(&climbing).unwrap_err();
    assert!(matches!(err, graph_core::Error::Validation(ref v) if v.field() == "drive_id"), "{err}");
}
