//! Sharing URLs resolved once each: a file that names the same shared item
//! on many rows asks the shares API about it once. The cache is bounded,
//! so a file of a million distinct URLs does not fill memory.

use std::collections::{HashMap, VecDeque};

use graph_core::Client;
use graph_core::drive::ItemLocator;

use crate::item::ItemArg;

/// How many resolutions are kept (the oldest goes first).
const CAPACITY: usize = 4096;

/// Resolutions of sharing URLs, newest kept.
#[derive(Default)]
pub struct Resolutions {
    known: HashMap<String, Result<ItemLocator, String>>,
    order: VecDeque<String>,
}

impl Resolutions {
    /// The item `item` names: a path as it is, a sharing URL through the
    /// shares API (or the cache); the error is one line.
    pub async fn resolve(
        &mut self,
        client: &Client,
        item: &ItemArg,
    ) -> Result<ItemLocator, String> {
        let url = match item {
            ItemArg::Path(locator) => return Ok(locator.clone()),
            ItemArg::SharingUrl(url) => url,
        };
        if let Some(known) = self.known.get(url) {
            return known.clone();
        }
        let resolved = item.resolve(client).await.map_err(|f| f.message);
        if self.order.len() >= CAPACITY
            && let Some(oldest) = self.order.pop_front()
        {
            self.known.remove(&oldest);
        }
        self.order.push_back(url.clone());
        self.known.insert(url.clone(), resolved.clone());
        resolved
    }
}
