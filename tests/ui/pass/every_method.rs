use graph_core::{graph_endpoint, Endpoint, Method};

#[graph_endpoint(GET "/me/drive/items/<item_id>/permissions/<perm_id>", response = serde_json::Value)]
struct GetPermission {
    item_id: String,
    perm_id: String,
}

#[graph_endpoint(POST "/me/drive/items/<item_id>/children", response = serde_json::Value)]
struct CreateFolder {
    item_id: String,
    name: String,
    folder: serde_json::Value,
}

#[graph_endpoint(PUT "/me/drive/items/<item_id>/content", response = serde_json::Value)]
struct Upload {
    item_id: String,
    #[body]
    content: String,
}

#[graph_endpoint(PATCH "/me/drive/items/<item_id>/permissions/<perm_id>", response = serde_json::Value)]
struct UpdatePermission {
    item_id: String,
    perm_id: String,
    roles: Vec<String>,
}

#[graph_endpoint(DELETE "/me/drive/items/<item_id>/permissions/<perm_id>")]
struct DeletePermission {
    item_id: String,
    perm_id: String,
}

fn main() -> Result<(), graph_core::Error> {
    let get = GetPermission::builder().item_id("1").perm_id("p").build().to_request()?;
    assert_eq!((get.method(), get.path_and_query()), (Method::Get, "/me/drive/items/1/permissions/p"));
    assert_eq!(get.body(), None);

    let post = CreateFolder::builder()
        .item_id("1")
        .name("New")
        .folder(serde_json::json!({}))
        .build()
        .to_request()?;
    assert_eq!(post.method(), Method::Post);
    assert_eq!(post.body(), Some(&br#"{"name":"New","folder":{}}"#[..]));

    let put = Upload::builder().item_id("1").content("hi").build().to_request()?;
    assert_eq!(put.method(), Method::Put);
    assert_eq!(put.body(), Some(&br#""hi""#[..]));

    let patch = UpdatePermission::builder()
        .item_id("1")
        .perm_id("p")
        .roles(vec!["read".to_string()])
        .build()
        .to_request()?;
    assert_eq!(patch.method(), Method::Patch);
    assert_eq!(patch.body(), Some(&br#"{"roles":["read"]}"#[..]));

    let delete = DeletePermission::builder().item_id("1").perm_id("p").build();
    assert_eq!(DeletePermission::METHOD, Method::Delete);
    let _: <DeletePermission as Endpoint>::Response = ();
    assert_eq!(delete.to_request()?.body(), None);
    Ok(())
}
