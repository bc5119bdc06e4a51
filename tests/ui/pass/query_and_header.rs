use graph_core::{graph_endpoint, Endpoint};

#[graph_endpoint(GET "/me/drive/items/<item_id>/permissions", response = serde_json::Value)]
pub struct ListPermissions {
    item_id: String,
    /// How many permissions per page.
    #[query("$top")]
    top: Option<u32>,
    #[query("$select")]
    select: Option<Vec<String>>,
    #[query("$filter")]
    filter: String,
    #[header("Prefer")]
    prefer: Option<String>,
    #[header("ConsistencyLevel")]
    consistency: String,
}

fn main() -> Result<(), graph_core::Error> {
    let list = ListPermissions::builder()
        .item_id("01A")
        .top(5u32)
        .select(vec!["id".to_string(), "roles".to_string()])
        .filter("roles/any(r:r eq 'write')")
        .consistency("eventual")
        .build()
        .to_request()?;
    assert_eq!(
        list.path_and_query(),
        "/me/drive/items/01A/permissions?$top=5&$select=id,roles&$filter=roles/any(r:r%20eq%20'write')"
    );
    assert_eq!(list.headers(), &[("ConsistencyLevel", "eventual".to_string())]);
    Ok(())
}
