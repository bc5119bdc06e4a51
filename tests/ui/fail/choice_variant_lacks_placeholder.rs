use graph_core::graph_endpoint;

pub enum Place {
    Mine { item_id: String },
    Drive { drive_id: String, item_id: String },
}

// `<drive>` names neither a field of the struct nor one of `Place::Drive`.
#[graph_endpoint(GET match place {
    Place::Mine => "/me/drive/items/<item_id>",
    Place::Drive => "/drives/<drive>/items/<item_id>",
})]
struct GetItem {
    place: Place,
}

fn main() {}
