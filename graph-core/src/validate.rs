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

#[cfg(test)]
// The `&&` is the technique under test: it picks the impl, it is not needless.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::{Probe, Validate};
    use crate::drive::model::{InviteBody, PermissionUpdate};

    // The same autoref dispatch as `ViaValidate`/`ViaNothing`, answering
    // whether `T: Validate` instead of running the check.
    trait Implements {
        fn implements(&self) -> bool;
    }
    impl<T: Validate + ?Sized> Implements for &Probe<'_, T> {
        fn implements(&self) -> bool {
            true
        }
    }
    trait DoesNotImplement {
        fn implements(&self) -> bool;
    }
    impl<T: ?Sized> DoesNotImplement for Probe<'_, T> {
        fn implements(&self) -> bool {
            false
        }
    }

    /// `#[graph_endpoint]` skips probing these types (graph-macros'
    /// `expand/never_validated.rs`); if graph-core ever implements `Validate`
    /// for one of them, this fails and that list must shrink.
    #[test]
    fn std_types_do_not_validate() {
        let answers = [
            (&&Probe(&String::new())).implements(),
            (&&Probe(&"text")).implements(),
            (&&Probe(&true)).implements(),
            (&&Probe(&'c')).implements(),
            (&&Probe(&1_u8)).implements(),
            (&&Probe(&1_u16)).implements(),
            (&&Probe(&1_u32)).implements(),
            (&&Probe(&1_u64)).implements(),
            (&&Probe(&1_u128)).implements(),
            (&&Probe(&1_usize)).implements(),
            (&&Probe(&1_i8)).implements(),
            (&&Probe(&1_i16)).implements(),
            (&&Probe(&1_i32)).implements(),
            (&&Probe(&1_i64)).implements(),
            (&&Probe(&1_i128)).implements(),
            (&&Probe(&1_isize)).implements(),
            (&&Probe(&1.0_f32)).implements(),
            (&&Probe(&1.0_f64)).implements(),
            (&&Probe(&Vec::<String>::new())).implements(),
            (&&Probe(&Vec::<InviteBody>::new())).implements(),
        ];
        assert_eq!(answers, [false; 20]);
    }

    /// The probe itself tells the two apart, so the test above can fail.
    #[test]
    fn the_probe_finds_validating_types() {
        let body: InviteBody =
            serde_json::from_str(r#"{"recipients":[],"roles":["read"]}"#).expect("an invite body");
        assert!((&&Probe(&body)).implements());
        // Its only rule was not Graph's; it no longer validates (see `lint`).
        assert!(!(&&Probe(&PermissionUpdate::default())).implements());
    }
}
