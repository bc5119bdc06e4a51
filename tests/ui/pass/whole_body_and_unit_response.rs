use graph_core::{graph_endpoint, Endpoint};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Roles {
    roles: Vec<String>,
    require_sign_in: bool,
}

/// A unit response: Graph answers `204 No Content`.
#[graph_endpoint(POST "/me/drive/items/<item_id>/roles")]
struct SetRoles {
    item_id: String,
    #[body]
    body: Roles,
}

#[graph_endpoint(POST "/me/drive/items/<item_id>/touch")]
struct OptionalBody {
    item_id: String,
    #[body]
    body: Option<Roles>,
}

#[graph_endpoint(GET "/me")]
struct Me;

fn main() -> Result<(), graph_core::Error> {
    let set = SetRoles::builder()
        .item_id("1")
        .body(Roles { roles: vec!["write".into()], require_sign_in: true })
        .build();
    let _unit: <SetRoles as Endpoint>::Response = ();
    assert_eq!(
        set.to_request()?.body(),
        Some(&br#"{"roles":["write"],"requireSignIn":true}"#[..])
    );
    let none = OptionalBody::builder().item_id("1").build();
    assert_eq!(none.to_request()?.body(), None);
    assert_eq!(Me::builder().build().path(), "/me");
    Ok(())
}
