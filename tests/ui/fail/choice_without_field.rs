use graph_core::graph_endpoint;

pub enum Place {
    Mine { item_id: String },
}

#[graph_endpoint(GET match place {
    Place::Mine => "/me/drive/items/<item_id>",
})]
struct GetItem {
    plase: Place,
}

fn main() {}
