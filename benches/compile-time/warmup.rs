//! Warm-up crate for the compile-time benchmark (`cargo bench -p benchmarks
//! --bench compile_time`): building it compiles graph-core, graph-macros and
//! their dependencies into the shared target dir, so that the timed builds of
//! the generated crates measure only those crates.

use graph_core::drive::model::Permission;
use graph_core::graph_endpoint;

/// One declaration, so the proc macro is built and run once before timing.
#[graph_endpoint(GET "/me/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
pub struct WarmUp {
    /// The item id.
    pub item_id: String,
    /// The permission id.
    pub permission_id: String,
}
