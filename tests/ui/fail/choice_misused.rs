use graph_core::graph_endpoint;

pub enum Place {
    Mine { item_id: String },
}

// The chooser cannot be optional, nor be sent itself; each variant has one
// template; a placeholder cannot name the chooser.
#[graph_endpoint(GET match place {
    Place::Mine => "/me/drive/items/<item_id>",
    Place::Mine => "/me/drive/items/<item_id>/children",
})]
struct Optional {
    place: Option<Place>,
}

#[graph_endpoint(GET match place {
    Place::Mine => "/me/drive/items/<place>",
})]
struct Marked {
    #[query("place")]
    place: Place,
}

#[graph_endpoint(GET match place {})]
struct NoArms {
    place: Place,
}

fn main() {}
