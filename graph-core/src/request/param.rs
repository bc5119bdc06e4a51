//! How field values become text in a path, a query string or a header.

use std::borrow::Cow;

/// A value that can stand in a path placeholder, a query parameter or a header.
///
/// Implemented for strings, booleans and integers; sequences join their items
/// with commas, as OData's `$select=id,name` expects. Implement it for your own
/// identifier types to use them as endpoint fields.
///
/// ```
/// use graph_core::ParamValue;
///
/// assert_eq!(true.param(), "true");
/// assert_eq!(vec!["id", "name"].param(), "id,name");
///
/// struct DriveId(String);
/// impl ParamValue for DriveId {
///     fn param(&self) -> std::borrow::Cow<'_, str> {
///         self.0.as_str().into()
///     }
/// }
/// assert_eq!(DriveId("b!x".into()).param(), "b!x");
/// ```
pub trait ParamValue {
    /// The value as unencoded text; the caller encodes it for where it goes.
    fn param(&self) -> Cow<'_, str>;
}

impl ParamValue for str {
    fn param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ParamValue for String {
    fn param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ParamValue for Cow<'_, str> {
    fn param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn param(&self) -> Cow<'_, str> {
        (**self).param()
    }
}

impl<T: ParamValue + ?Sized> ParamValue for Box<T> {
    fn param(&self) -> Cow<'_, str> {
        (**self).param()
    }
}

impl ParamValue for bool {
    fn param(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn param(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}
display_param!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize
);

impl<T: ParamValue> ParamValue for [T] {
    fn param(&self) -> Cow<'_, str> {
        match self {
            [one] => one.param(),
            items => {
                let mut joined = String::new();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        joined.push(',');
                    }
                    joined.push_str(&item.param());
                }
                Cow::Owned(joined)
            }
        }
    }
}

impl<T: ParamValue> ParamValue for Vec<T> {
    fn param(&self) -> Cow<'_, str> {
        self.as_slice().param()
    }
}
