use graph_core::{graph_endpoint, Endpoint};

/// A field named with a keyword binds to its placeholder like any other.
#[graph_endpoint(GET "/things/<type>/items/<id>")]
struct GetThing {
    r#type: String,
    id: String,
}

fn main() {
    let thing = GetThing::builder().r#type("folder").id("1").build();
    assert_eq!(thing.path(), "/things/folder/items/1");
    assert_eq!(Endpoint::to_request(&thing).unwrap().body(), None);
}
