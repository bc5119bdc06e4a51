//! OneDrive and SharePoint drives: the sharing models and the endpoints that use them.

pub mod model;
