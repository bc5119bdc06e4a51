use graph_core::graph_endpoint;

pub enum Place {
    Mine { item_id: String },
}

#[graph_endpoint(GET match place {
    Place::Mine => 42,
})]
struct GetItem {
    place: Place,
}

fn main() {}
