//! Parsing a path template such as `/drives/<drive_id>/root:/<item_path..>:/invite`.

/// One piece of a template, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text sent as written.
    Literal(String),
    /// `<name>` (one encoded segment) or `<name..>` (a `/`-separated path).
    Placeholder { name: String, catch_all: bool },
}

/// The pieces of a template, or every problem found in it.
pub fn parse(template: &str) -> Result<Vec<Piece>, Vec<String>> {
    let mut problems = Vec::new();
    if !template.starts_with('/') {
        problems.push(format!(
            "the path template must start with `/`, as in \"/{}\"",
            template.trim_start_matches('/')
        ));
    }
    for bad in ['?', '#'] {
        if template.contains(bad) {
            problems.push(format!(
                "the path template must not contain `{bad}`; declare query parameters as fields with `#[query(\"name\")]`"
            ));
        }
    }
    if template.contains("//") {
        problems.push("the path template has an empty segment (`//`)".to_owned());
    }

    let mut pieces = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find(['<', '>']) {
            None => {
                pieces.push(Piece::Literal(rest.to_owned()));
                rest = "";
            }
            Some(at) if rest.as_bytes()[at] == b'>' => {
                problems.push(format!(
                    "unmatched `>` in the path template after \"{}\"; placeholders look like `<name>`",
                    &rest[..at]
                ));
                rest = &rest[at + 1..];
            }
            Some(at) => {
                if at > 0 {
                    pieces.push(Piece::Literal(rest[..at].to_owned()));
                }
                let after = &rest[at + 1..];
                let close = after
                    .find(['<', '>'])
                    .filter(|&i| after.as_bytes()[i] == b'>');
                let Some(close) = close else {
                    problems.push(format!(
                        "unclosed placeholder `<{}` in the path template; close it with `>`",
                        after.split(['<', '/']).next().unwrap_or_default()
                    ));
                    let skip = after.find('<').unwrap_or(after.len());
                    rest = &after[skip..];
                    continue;
                };
                let inner = &after[..close];
                rest = &after[close + 1..];
                let (name, catch_all) = match inner.strip_suffix("..") {
                    Some(name) => (name, true),
                    None => (inner, false),
                };
                if let Some(problem) = name_problem(inner, name) {
                    problems.push(problem);
                    continue;
                }
                if names.iter().any(|n| n == name) {
                    problems.push(format!(
                        "the placeholder `<{name}>` appears twice in the path template; each field fills one placeholder"
                    ));
                    continue;
                }
                names.push(name.to_owned());
                pieces.push(Piece::Placeholder {
                    name: name.to_owned(),
                    catch_all,
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(pieces)
    } else {
        Err(problems)
    }
}

fn name_problem(inner: &str, name: &str) -> Option<String> {
    if name.is_empty() {
        return Some(format!(
            "empty placeholder `<{inner}>` in the path template; name the field it takes, like `<item_id>`"
        ));
    }
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_well || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some(format!(
            "malformed placeholder `<{inner}>` in the path template; a placeholder is a field name, like `<item_id>` or `<item_path..>`"
        ));
    }
    // No field can have these names, not even as raw identifiers.
    if matches!(name, "self" | "Self" | "super" | "crate" | "_") {
        return Some(format!(
            "`<{inner}>` cannot be a placeholder: no field can be named `{name}`"
        ));
    }
    None
}

/// The names of the placeholders, in order.
pub fn placeholder_names(pieces: &[Piece]) -> impl Iterator<Item = &str> {
    pieces.iter().filter_map(|p| match p {
        Piece::Placeholder { name, .. } => Some(name.as_str()),
        Piece::Literal(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Piece {
        Piece::Literal(s.to_owned())
    }
    fn ph(name: &str, catch_all: bool) -> Piece {
        Piece::Placeholder {
            name: name.to_owned(),
            catch_all,
        }
    }

    #[test]
    fn plain_placeholders_split_the_literals() {
        assert_eq!(
            parse("/groups/<group_id>/drive/items/<item_id>/invite").unwrap(),
            vec![
                lit("/groups/"),
                ph("group_id", false),
                lit("/drive/items/"),
                ph("item_id", false),
                lit("/invite")
            ]
        );
    }

    #[test]
    fn catch_all_shares_a_segment_with_literal_text() {
        assert_eq!(
            parse("/me/drive/root:/<item_path..>:/invite").unwrap(),
            vec![
                lit("/me/drive/root:/"),
                ph("item_path", true),
                lit(":/invite")
            ]
        );
    }

    #[test]
    fn a_template_without_placeholders_is_one_literal() {
        assert_eq!(parse("/me").unwrap(), vec![lit("/me")]);
        assert_eq!(parse("/$batch").unwrap(), vec![lit("/$batch")]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let problems = parse("me/<>/<a>/<a>/<1x>/<b").unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(problems[0].contains("must start with `/`"));
        assert!(problems[1].contains("empty placeholder `<>`"));
        assert!(problems[2].contains("`<a>` appears twice"));
        assert!(problems[3].contains("malformed placeholder `<1x>`"));
        assert!(problems[4].contains("unclosed placeholder `<b`"));
    }

    #[test]
    fn stray_delimiters_and_query_marks_are_refused() {
        assert!(parse("/a>b").unwrap_err()[0].contains("unmatched `>`"));
        assert!(parse("/a/<b c>").unwrap_err()[0].contains("malformed"));
        assert!(parse("/a?x=1").unwrap_err()[0].contains("must not contain `?`"));
        assert!(parse("/a//b").unwrap_err()[0].contains("empty segment"));
        assert!(parse("/a/<..>").unwrap_err()[0].contains("empty placeholder"));
        assert!(parse("/a/<b<c>").unwrap_err()[0].contains("unclosed placeholder `<b`"));
    }

    #[test]
    fn names_no_field_can_have_are_refused() {
        for name in ["self", "Self", "super", "crate", "_"] {
            let problems = parse(&format!("/a/<{name}>")).unwrap_err();
            assert!(
                problems[0].contains("no field can be named"),
                "{problems:?}"
            );
        }
        assert!(
            parse("/a/<type>/<gen>").is_ok(),
            "raw identifiers can name these"
        );
    }

    #[test]
    fn names_come_out_in_order() {
        let pieces = parse("/drives/<drive_id>/root:/<path..>:").unwrap();
        assert_eq!(
            placeholder_names(&pieces).collect::<Vec<_>>(),
            ["drive_id", "path"]
        );
    }
}
