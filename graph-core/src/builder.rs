//! Typestate markers for the builders `#[graph_endpoint]` generates.
//!
//! Each field of a generated builder has a type parameter that is [`Unset`]
//! until its setter runs and [`Set`] after. `build()` needs every required
//! field's parameter to be `Set`, so a missing field is a compile error, and a
//! setter needs its parameter to be `Unset`, so setting a field twice is one too.
//!
//! ```compile_fail
//! use graph_core::graph_endpoint;
//!
//! #[graph_endpoint(DELETE "/me/drive/items/<item_id>")]
//! struct DeleteItem {
//!     item_id: String,
//! }
//!
//! // error: the field `item_id` is already set
//! let _ = DeleteItem::builder().item_id("a").item_id("b").build();
//! ```

/// The state of a builder field that has not been given a value yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unset;

/// The state of a builder field holding its value.
#[derive(Debug, Clone, Copy, Default)]
pub struct Set<T>(pub T);

/// Satisfied only by [`Unset`]: a setter may run once per field.
#[diagnostic::on_unimplemented(
    message = "this builder field is already set",
    label = "a value was already given to this field",
    note = "each field of an endpoint builder is set exactly once; remove the earlier call"
)]
pub trait IsUnset {}

#[diagnostic::do_not_recommend]
impl IsUnset for Unset {}

/// The value of an optional field, set or not.
pub trait OptionalField<T> {
    /// `None` when the setter never ran.
    fn into_option(self) -> Option<T>;
}

impl<T> OptionalField<T> for Unset {
    fn into_option(self) -> Option<T> {
        None
    }
}

impl<T> OptionalField<T> for Set<Option<T>> {
    fn into_option(self) -> Option<T> {
        self.0
    }
}
