use graph_core::graph_endpoint;

pub enum Place {
    Mine { item_id: String },
    Drive { drive_id: String, item_id: String },
}

#[graph_endpoint(GET match place {
    Place::Mine => "/me/drive/items/<item_id>/permissions/<permission_id>",
    Place::Drive => "/drives/<drive_id>/items/<item_id>/permissions",
})]
struct GetPermission {
    place: Place,
    permission_id: String,
}

fn main() {}
