use graph_core::graph_endpoint;

// The malformed `response` value does not hide the misspelled option after it.
#[graph_endpoint(GET "/me/drive", response = 42, validat = check)]
struct GetDrive {}

fn main() {}
