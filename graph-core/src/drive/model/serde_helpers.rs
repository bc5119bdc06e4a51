//! Small serde adapters shared by the model types (kept private to the module).

use serde::{Deserialize, Deserializer, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::{datetime, format_description};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// `DateTime.MinValue`, which Graph sends to mean "no expiration".
const DOTNET_MIN_VALUE: OffsetDateTime = datetime!(0001-01-01 00:00:00 UTC);

/// Formats `value` in UTC with exactly three fractional digits and a `Z`,
/// e.g. `2018-07-15T14:00:00.000Z`, the shape Graph's documentation uses.
pub(crate) fn format_utc_millis(value: OffsetDateTime) -> Result<String, time::error::Format> {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    value.to_offset(UtcOffset::UTC).format(&format)
}

/// Parses an RFC 3339 timestamp. A timestamp without an offset (which some
/// Graph services emit) is read as UTC.
pub(crate) fn parse_timestamp(text: &str) -> Result<OffsetDateTime, String> {
    if let Ok(value) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(value);
    }
    let local = format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    PrimitiveDateTime::parse(text, &local)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| format!("invalid RFC 3339 timestamp `{text}`"))
}

/// `Option<OffsetDateTime>` on the wire: written as `2018-07-15T14:00:00.000Z`,
/// read from any RFC 3339 text; `null` and `0001-01-01T00:00:00Z`
/// (`DateTime.MinValue`, Graph's "no expiration") read as `None`.
pub(crate) mod opt_timestamp {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => {
                let text = format_utc_millis(*value).map_err(serde::ser::Error::custom)?;
                serializer.serialize_str(&text)
            }
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let Some(text) = Option::<String>::deserialize(deserializer)? else {
            return Ok(None);
        };
        let value = parse_timestamp(&text).map_err(serde::de::Error::custom)?;
        Ok((value != DOTNET_MIN_VALUE).then_some(value))
    }
}

/// Reads `null` as the type's default; shared with the OData collection.
pub(crate) use crate::odata::null_as_default;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_in_utc_with_three_fraction_digits() {
        let value = datetime!(2018-07-15 16:00:00.123456 +02:00);
        assert_eq!(
            format_utc_millis(value).unwrap(),
            "2018-07-15T14:00:00.123Z"
        );
        let whole = datetime!(2018-07-15 14:00:00 UTC);
        assert_eq!(
            format_utc_millis(whole).unwrap(),
            "2018-07-15T14:00:00.000Z"
        );
    }

    #[test]
    fn parses_rfc3339_variants() {
        let expected = datetime!(2018-07-15 14:00:00 UTC);
        for text in [
            "2018-07-15T14:00:00Z",
            "2018-07-15T14:00:00.000Z",
            "2018-07-15T16:00:00+02:00",
            "2018-07-15T14:00:00.0000000Z",
            "2018-07-15T14:00:00",
        ] {
            assert_eq!(parse_timestamp(text).unwrap(), expected, "{text}");
        }
        assert!(parse_timestamp("15/07/2018").is_err());
        assert!(parse_timestamp("").is_err());
    }
}
