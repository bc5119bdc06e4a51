use graph_core::graph_endpoint;

#[graph_endpoint(GET "/me/drive")]
union GetDrive {
    a: u32,
}

fn main() {}
