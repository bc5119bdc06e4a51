use graph_core::graph_endpoint;

pub enum Place {
    Mine { item_id: String },
    Drive { drive_id: String, item_id: String },
}

// A copy-paste slip: the `Drive` arm forgets `<drive_id>`, which would send
// every drive's item to the signed-in user's drive.
#[graph_endpoint(GET match place {
    Place::Mine => "/me/drive/items/<item_id>",
    Place::Drive => "/me/drive/items/<item_id>",
})]
struct GetItem {
    place: Place,
}

// A struct field named like a variant field would hide the variant's value.
#[graph_endpoint(GET match place {
    Place::Mine => "/me/drive/items/<item_id>",
    Place::Drive => "/drives/<drive_id>/items/<item_id>",
})]
struct Shadowed {
    place: Place,
    item_id: String,
}

fn main() {}
