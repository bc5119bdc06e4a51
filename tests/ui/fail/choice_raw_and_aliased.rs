use graph_core::graph_endpoint;

pub enum Kind {
    Mine { item_id: String },
}

// A raw chooser is still the chooser: it cannot fill a placeholder.
#[graph_endpoint(GET match r#type {
    Kind::Mine => "/me/drive/items/<item_id>/<type>",
})]
struct RawChooser {
    r#type: Kind,
}

// One variant spelled two ways is still one variant.
#[graph_endpoint(GET match kind {
    Kind::Mine => "/me/drive/items/<item_id>",
    crate::Kind::Mine => "/me/drive/items/<item_id>/children",
})]
struct Aliased {
    kind: Kind,
}

// `Self` is the endpoint struct, not the enum.
#[graph_endpoint(GET match kind {
    Self::Mine => "/me/drive/items/<item_id>",
})]
struct SelfVariant {
    kind: Kind,
}

fn main() {}
