//! Checking body values before sending, for the types that know their rules.

use crate::ValidationError;

/// A request value with documented rules, checked before anything is sent.
///
/// Endpoint body fields whose type implements `Validate` are checked
/// automatically by the code `#[graph_endpoint]` generates.
///
/// ```
/// use graph_core::{graph_endpoint, Endpoint, Validate, ValidationError};
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct Roles(Vec<String>);
///
/// impl Validate for Roles {
///     fn validate(&self) -> Result<(), ValidationError> {
///         if self.0.is_empty() {
///             return Err(ValidationError::new("roles", "must not be empty"));
///         }
///         Ok(())
///     }
/// }
///
/// #[graph_endpoint(PATCH "/me/drive/items/<item_id>/permissions/<perm_id>")]
/// struct SetRoles {
///     item_id: String,
///     perm_id: String,
///     roles: Roles,
/// }
///
/// let patch = SetRoles::builder().item_id("1").perm_id("p").roles(Roles(vec![])).build();
/// assert_eq!(patch.to_request().unwrap_err().to_string(), "invalid `roles`: must not be empty");
/// ```
pub trait Validate {
    /// `Ok` when the value may be sent.
    fn validate(&self) -> Result<(), ValidationError>;
}

/// Lets generated code validate a value whose type may or may not implement
/// [`Validate`], by method resolution (the "autoref" technique): `&&Probe<T>`
/// finds [`ViaValidate`] when `T: Validate`, and [`ViaNothing`] otherwise.
#[doc(hidden)]
pub struct Probe<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait ViaValidate {
    fn validate_if_possible(&self) -> Result<(), ValidationError>;
}

impl<T: Validate + ?Sized> ViaValidate for &Probe<'_, T> {
    fn validate_if_possible(&self) -> Result<(), ValidationError> {
        self.0.validate()
    }
}

#[doc(hidden)]
pub trait ViaNothing {
    fn validate_if_possible(&self) -> Result<(), ValidationError>;
}

impl<T: ?Sized> ViaNothing for Probe<'_, T> {
    fn validate_if_possible(&self) -> Result<(), ValidationError> {
        Ok(())
    }
}
