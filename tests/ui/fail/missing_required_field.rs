use graph_core::graph_endpoint;

#[graph_endpoint(POST "/groups/<group_id>/drive/items/<item_id>/invite")]
struct GroupItemInvite {
    group_id: String,
    item_id: String,
    recipients: Vec<String>,
    message: Option<String>,
}

fn main() {
    let _invite = GroupItemInvite::builder()
        .group_id("g1")
        .recipients(vec!["ryan@contoso.com".to_string()])
        .build();
}
