//! Small serde adapters shared by the model types (kept private to the module).

use serde::{Deserialize, Deserializer, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::{datetime, format_description};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// `DateTime.MinValue`, which Graph sends to mean "no expiration".
const DOTNET_MIN_VALUE: OffsetDateTime = datetime!(0001-01-01 00:00:00 UTC);

/// The UTC years a `System.DateTimeOffset` can hold (see [`utc_millis_rule`]).
pub(crate) const UTC_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Why a timestamp cannot be written in Graph's request format.
///
/// Microsoft Graph's `permission` resource type documents `expirationDateTime`
/// as "a format of yyyy-MM-ddTHH:mm:ssZ of DateTimeOffset" (UTC, a four-digit
/// year); the invite documentation's examples add milliseconds
/// (`2018-07-15T14:00:00.000Z`), the form written here. Graph's
/// `Edm.DateTimeOffset` is backed by .NET's `System.DateTimeOffset`, whose
/// documented range (`DateTimeOffset.MinValue` / `MaxValue`) is
/// 0001-01-01T00:00:00 to 9999-12-31T23:59:59.9999999 in UTC. A local time
/// whose UTC lies outside years 0001–9999 (a year-9999 time with a negative
/// offset, a year-0001 time with a positive one, anything in year 0000) is
/// refused.
pub(crate) fn utc_millis_rule(value: OffsetDateTime) -> Result<OffsetDateTime, String> {
    let utc = value
        .checked_to_offset(UtcOffset::UTC)
        .filter(|utc| UTC_YEARS.contains(&utc.year()))
        .ok_or_else(|| {
            format!(
                "must lie between years 0001 and 9999 in UTC (Graph documents \
                 the format yyyy-MM-ddTHH:mm:ssZ of a DateTimeOffset), got {} {} at offset {}",
                value.date(),
                value.time(),
                value.offset()
            )
        })?;
    Ok(utc)
}

/// Formats `value` in UTC with exactly three fractional digits and a `Z`,
/// e.g. `2018-07-15T14:00:00.000Z`, the shape Graph's documentation uses.
/// A value [`utc_millis_rule`] refuses is an error, never a panic.
pub(crate) fn format_utc_millis(value: OffsetDateTime) -> Result<String, String> {
    let utc = utc_millis_rule(value)?;
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    utc.format(&format).map_err(|err| err.to_string())
}

/// Formats a timestamp read from Graph so that reading it back gives the same
/// instant: Graph's `yyyy-MM-ddTHH:mm:ss.fffZ` when that loses nothing, RFC
/// 3339 in UTC with every fractional digit when the value is finer than a
/// millisecond, and RFC 3339 in the value's own offset when its UTC has no
/// four-digit year (e.g. `9999-12-31T23:00:00-05:00`).
pub(crate) fn format_lossless(value: OffsetDateTime) -> Result<String, String> {
    if let Ok(utc) = utc_millis_rule(value) {
        if utc.nanosecond() % 1_000_000 == 0 {
            return format_utc_millis(utc);
        }
        if let Ok(text) = utc.format(&Rfc3339) {
            return Ok(text);
        }
    }
    value.format(&Rfc3339).map_err(|err| {
        format!(
            "cannot write {} {} at offset {} as RFC 3339: {err}",
            value.date(),
            value.time(),
            value.offset()
        )
    })
}

/// Parses an RFC 3339 timestamp. A timestamp without an offset (which some
/// Graph services emit) is read as UTC; its year must still be four digits
/// with no sign, as RFC 3339's `date-fullyear` is. Whatever this accepts,
/// [`format_lossless`] can write back.
pub(crate) fn parse_timestamp(text: &str) -> Result<OffsetDateTime, String> {
    let invalid = || format!("invalid RFC 3339 timestamp `{}`", snippet(text));
    let value = match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(value) => value,
        Err(_) => {
            // `[year]` alone would also read `+0005` and `-0005`.
            let bytes = text.as_bytes();
            if bytes.len() < 5 || !bytes[..4].iter().all(u8::is_ascii_digit) || bytes[4] != b'-' {
                return Err(invalid());
            }
            let local = format_description!(
                version = 2,
                "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
            );
            PrimitiveDateTime::parse(text, &local)
                .map(PrimitiveDateTime::assume_utc)
                .map_err(|_| invalid())?
        }
    };
    // Holds by construction today; kept so a later, wider parser cannot
    // bring back a value that reads but does not write.
    format_lossless(value).map_err(|_| invalid())?;
    Ok(value)
}

/// At most 64 characters of `text`, so an error never carries a huge value.
fn snippet(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

pub(crate) fn deserialize_opt<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let value = parse_timestamp(&text).map_err(serde::de::Error::custom)?;
    Ok((value != DOTNET_MIN_VALUE).then_some(value))
}

/// `Option<OffsetDateTime>` in a request: written as `2018-07-15T14:00:00.000Z`
/// (a value with no such form is a serialization error; the bodies' `validate`
/// refuses it first), read from any RFC 3339 text; `null` and
/// `0001-01-01T00:00:00Z` (`DateTime.MinValue`, Graph's "no expiration") read
/// as `None`.
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

    pub(crate) use super::deserialize_opt as deserialize;
}

/// `Option<OffsetDateTime>` in a response model: read like [`opt_timestamp`],
/// written back by [`format_lossless`], so a value Graph sent serializes again
/// (to a cache or a journal) without a panic and reads back as the same instant.
pub(crate) mod opt_timestamp_lossless {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => {
                let text = format_lossless(*value).map_err(serde::ser::Error::custom)?;
                serializer.serialize_str(&text)
            }
            None => serializer.serialize_none(),
        }
    }

    pub(crate) use super::deserialize_opt as deserialize;
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

#[cfg(test)]
pub(crate) mod range_tests {
    use super::*;
    use time::macros::{datetime, offset};

    /// The inputs: valid RFC 3339 local times whose UTC has no
    /// four-digit year.
    pub(crate) const OUT_OF_RANGE: [&str; 7] = [
        "9999-12-31T23:00:00-05:00",
        "9999-12-31T23:59:59.999-00:01",
        "0000-01-01T00:00:00+01:00",
        "0000-01-01T00:30:00.5+23:59",
        // Below DateTimeOffset.MinValue (0001-01-01T00:00:00Z).
        "0000-06-15T12:00:00Z",
        "0000-12-31T23:59:59.999Z",
        "0001-01-01T00:30:00+01:00",
    ];

    #[test]
    fn out_of_range_utc_is_an_error_not_a_panic() {
        for text in OUT_OF_RANGE {
            let value = OffsetDateTime::parse(text, &Rfc3339).unwrap();
            let err = format_utc_millis(value).unwrap_err();
            assert!(err.contains("yyyy-MM-ddTHH:mm:ssZ"), "{text}: {err}");
            assert!(utc_millis_rule(value).is_err(), "{text}");
        }
    }

    #[test]
    fn the_edges_of_the_range_are_written() {
        let cases = [
            (
                datetime!(9999-12-31 23:59:59.999 UTC),
                "9999-12-31T23:59:59.999Z",
            ),
            (
                datetime!(9999-12-31 23:59:59 +01:00),
                "9999-12-31T22:59:59.000Z",
            ),
            (datetime!(0001-01-01 00:00 UTC), "0001-01-01T00:00:00.000Z"),
            (
                datetime!(0001-01-01 00:00 -01:00),
                "0001-01-01T01:00:00.000Z",
            ),
        ];
        for (value, text) in cases {
            assert_eq!(format_utc_millis(value).unwrap(), text);
        }
    }

    #[test]
    fn lossless_keeps_the_instant() {
        let cases = [
            (
                datetime!(2018-07-15 14:00:00 UTC),
                "2018-07-15T14:00:00.000Z",
            ),
            (
                datetime!(2018-07-15 14:00:00.0000001 UTC),
                "2018-07-15T14:00:00.0000001Z",
            ),
            (
                datetime!(9999-12-31 23:00:00 -05:00),
                "9999-12-31T23:00:00-05:00",
            ),
            (
                datetime!(0000-01-01 00:00:00 +01:00),
                "0000-01-01T00:00:00+01:00",
            ),
        ];
        for (value, text) in cases {
            assert_eq!(format_lossless(value).unwrap(), text);
            assert_eq!(parse_timestamp(text).unwrap(), value, "{text}");
        }
        // A value no RFC 3339 text can hold (only built in code) is an error.
        let odd = datetime!(-0005-01-01 00:00 UTC).to_offset(offset!(+00:00:30));
        assert!(format_lossless(odd).is_err());
    }

    /// RFC 3339's `date-fullyear` is four digits with no sign; the reading
    /// without an offset used to take `-0005` as year -5, which then could
    /// not be written back.
    #[test]
    fn signed_years_are_refused_when_read() {
        for text in [
            "-0005-01-01T00:00:00",
            "-0001-12-31T23:00:00",
            "+0005-01-01T00:00:00",
            "+2018-07-15T14:00:00",
            "-0005-01-01T00:00:00.5",
            "+10000-01-01T00:00:00",
            "02018-07-15T14:00:00",
            "018-07-15T14:00:00",
        ] {
            let err = parse_timestamp(text).unwrap_err();
            assert!(err.contains("invalid RFC 3339"), "{text}: {err}");
        }
        // Four digits without an offset still read as UTC and write back.
        for text in ["0005-01-01T00:00:00", "0000-03-01T12:00:00.25"] {
            let value = parse_timestamp(text).unwrap();
            let written = format_lossless(value).unwrap();
            assert_eq!(parse_timestamp(&written).unwrap(), value, "{text}");
        }
    }

    #[test]
    fn parse_errors_quote_a_short_snippet() {
        let huge = "x".repeat(100_000);
        let err = parse_timestamp(&huge).unwrap_err();
        assert!(err.len() < 200, "{}", err.len());
    }
}
