use graph_core::graph_endpoint;

#[graph_endpoint(GET "/me/drive", respons = serde_json::Value)]
struct GetDrive {}

fn main() {}
