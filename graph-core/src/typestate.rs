//! Typestate markers for the builders `#[graph_endpoint]` generates.
//!
//! Each required field of a generated builder has a type parameter that is
//! [`Unset`] until its setter runs and [`Set`] after, and `build()` needs every
//! such parameter to be `Set`: a missing field is a compile error that names
//! the field and the endpoint. Optional fields are plain `Option`s.
//!
//! Calling a setter again replaces the value it set before, for required and
//! optional fields alike: a builder can be filled in steps, and conditionally
//! (`if let Some(top) = top { builder = builder.top(top) }` keeps its type).
//!
//! ```compile_fail
//! use graph_core::graph_endpoint;
//!
//! #[graph_endpoint(DELETE "/me/drive/items/<item_id>")]
//! struct DeleteItem {
//!     item_id: String,
//! }
//!
//! // error: cannot build `DeleteItem`: the required field `item_id` is not set
//! let _ = DeleteItem::builder().build();
//! ```
//!
//! ```
//! use graph_core::graph_endpoint;
//!
//! #[graph_endpoint(DELETE "/me/drive/items/<item_id>")]
//! struct DeleteItem {
//!     item_id: String,
//! }
//!
//! let delete = DeleteItem::builder().item_id("a").item_id("b").build();
//! assert_eq!(delete.item_id, "b");
//! ```

/// The state of a builder field that has not been given a value yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unset;

/// The state of a builder field holding its value.
#[derive(Debug, Clone, Copy, Default)]
pub struct Set<T>(pub T);

/// Takes a required field's value out of its [`Set`] state in `build()`.
///
/// Each generated builder bounds its required fields by a marker trait of its
/// own (whose error message names the field and the endpoint) with
/// `Take<FieldType>` as its supertrait, so the marker needs no method of its own.
pub trait Take<T> {
    /// The value the setter stored.
    fn take(self) -> T;
}

impl<T> Take<T> for Set<T> {
    #[inline]
    fn take(self) -> T {
        self.0
    }
}

/// An optional setter's body: stores `value` in its slot, dropping what was
/// there. Shared so that each generated setter is one call.
#[doc(hidden)]
#[inline]
pub fn put<T, V: Into<T>>(slot: &mut Option<T>, value: V) {
    *slot = Some(value.into());
}

/// A required setter's new state: `value` converted into the field's type.
#[doc(hidden)]
#[inline]
pub fn set<T, V: Into<T>>(value: V) -> Set<T> {
    Set(value.into())
}

/// Expands a builder that `#[graph_endpoint]` declared: its struct, and its
/// impls.
///
/// Not part of the public API. The attribute macro computes the names and
/// the missing-field messages, and this macro writes the repetitive code
/// around them. That keeps the attribute's own output small: a proc macro
/// runs unoptimised in dev builds, so each token it writes costs far more than
/// one written here, and crates declare endpoints by the hundred. For the same
/// reason the docs written here are the same for every builder.
///
/// The `impls` form is invoked inside the expansion's `const _` block, where
/// the `__` names of `graph_core::__private::names` are in scope.
#[doc(hidden)]
#[macro_export]
macro_rules! __graph_builder {
    (struct $builder:ident ($($vis:tt)*) [$($field:ident $param:ident)*] [$(($oty:ty))*]) => {
        /// Builds the endpoint request it is named after; made by its
        /// `builder()`. `build()` compiles only when every required field is
        /// set, and setting a field again replaces its value.
        #[must_use = "a builder does nothing until `.build()` is called"]
        $($vis)* struct $builder<$($param = $crate::typestate::Unset),*> {
            $($field: $param,)*
            __optional: ($(::core::option::Option<$oty>,)*),
        }
    };
    (
        impls $endpoint:ident $builder:ident ($($vis:tt)*)
        required [$(
            $field:ident $setter:ident $param:ident $marker:ident ($ty:ty) ($message:tt $label:tt $note:tt)
            [$(#[$attr:meta])*] [$($next:ty),*] [$($other:ident)*]
        )*]
        optional [$(
            $ofield:ident $osetter:ident $index:tt ($oty:ty) [$(#[$oattr:meta])*]
        )*]
    ) => {
        impl $endpoint {
            /// Starts building this request.
            #[inline]
            $($vis)* fn builder() -> $builder {
                $builder { $($field: __Unset,)* __optional: ($(__None::<$oty>,)*) }
            }
        }

        $(
            #[diagnostic::on_unimplemented(message = $message, label = $label, note = $note)]
            trait $marker: __Take<$ty> {}
            #[diagnostic::do_not_recommend]
            impl $marker for __Set<$ty> {}
        )*

        impl<$($param),*> $builder<$($param),*> {
            $(
                /// Sets this required field; setting it again replaces the value.
                $(#[$attr])*
                pub fn $setter(self, value: impl __Into<$ty>) -> $builder<$($next),*> {
                    $builder {
                        $field: __set(value),
                        $($other: self.$other,)*
                        __optional: self.__optional,
                    }
                }
            )*
            $(
                /// Sets this optional field; setting it again replaces the value.
                $(#[$oattr])*
                pub fn $osetter(mut self, value: impl __Into<$oty>) -> Self {
                    __put(&mut self.__optional.$index, value);
                    self
                }
            )*

            /// Finishes the request; compiles only when every required field is set.
            #[allow(private_bounds)]
            $($vis)* fn build(self) -> $endpoint
            where
                $($param: $marker,)*
            {
                $endpoint {
                    $($field: <$param as __Take<$ty>>::take(self.$field),)*
                    $($ofield: self.__optional.$index,)*
                }
            }
        }
    };
}
