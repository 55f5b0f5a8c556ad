//! Addressing fields inside a JSON payload: the dotted paths of the per-action rule
//! tables (`meterValue.*.sampledValue.*.value`, `*` being every array element) and the
//! paths `serde_path_to_error` reports for a failed decode.

use serde_json::Value;

/// Calls `f` with every value found at `pattern` and its concrete path
/// (`meterValue[0].timestamp`). Missing fields and type mismatches along the way are
/// skipped: absent optional fields have nothing to check.
pub(crate) fn visit(root: &Value, pattern: &str, f: &mut dyn FnMut(&str, &Value)) {
    let segments: Vec<&str> = pattern.split('.').collect();
    visit_from(root, &segments, String::new(), f);
}

fn visit_from(value: &Value, segments: &[&str], here: String, f: &mut dyn FnMut(&str, &Value)) {
    let Some((first, rest)) = segments.split_first() else {
        f(&here, value);
        return;
    };
    match (*first, value) {
        ("*", Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                visit_from(item, rest, format!("{here}[{i}]"), f);
            }
        }
        (key, Value::Object(map)) => {
            if let Some(child) = map.get(key) {
                visit_from(child, rest, join(&here, key), f);
            }
        }
        _ => {}
    }
}

/// Like [`visit`], with mutable access to each value found.
pub(crate) fn visit_mut(root: &mut Value, pattern: &str, f: &mut dyn FnMut(&str, &mut Value)) {
    let segments: Vec<&str> = pattern.split('.').collect();
    visit_mut_from(root, &segments, String::new(), f);
}

fn visit_mut_from(
    value: &mut Value,
    segments: &[&str],
    here: String,
    f: &mut dyn FnMut(&str, &mut Value),
) {
    let Some((first, rest)) = segments.split_first() else {
        f(&here, value);
        return;
    };
    match (*first, value) {
        ("*", Value::Array(items)) => {
            for (i, item) in items.iter_mut().enumerate() {
                visit_mut_from(item, rest, format!("{here}[{i}]"), f);
            }
        }
        (key, Value::Object(map)) => {
            if let Some(child) = map.get_mut(key) {
                visit_mut_from(child, rest, join(&here, key), f);
            }
        }
        _ => {}
    }
}

/// `parent.key`, or `key` at the root.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// One step of a path reported by a failed decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// The steps of a `serde_path_to_error` path; `None` if it holds a step that does not
/// address a JSON value (an enum variant or an unknown position).
pub(crate) fn steps(path: &serde_path_to_error::Path) -> Option<Vec<Step>> {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|segment| match segment {
            Segment::Map { key } => Some(Step::Key(key.clone())),
            Segment::Seq { index } => Some(Step::Index(*index)),
            _ => None,
        })
        .collect()
}

/// The value at `steps`, if present.
pub(crate) fn get<'a>(root: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    steps.iter().try_fold(root, |value, step| match step {
        Step::Key(key) => value.get(key.as_str()),
        Step::Index(i) => value.get(*i),
    })
}

/// The value at `steps`, if present, to change.
pub(crate) fn get_mut<'a>(root: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    steps.iter().try_fold(root, |value, step| match step {
        Step::Key(key) => value.get_mut(key.as_str()),
        Step::Index(i) => value.get_mut(*i),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_visit_every_element_with_its_concrete_path() {
        let v = json!({"meterValue": [
            {"timestamp": "a", "sampledValue": [{"value": "1"}, {"value": "2"}]},
            {"timestamp": "b"},
            "odd"
        ]});
        let mut seen = Vec::new();
        visit(&v, "meterValue.*.sampledValue.*.value", &mut |p, x| {
            seen.push((p.to_owned(), x.clone()))
        });
        assert_eq!(
            seen,
            vec![
                ("meterValue[0].sampledValue[0].value".to_owned(), json!("1")),
                ("meterValue[0].sampledValue[1].value".to_owned(), json!("2")),
            ]
        );
        let mut count = 0;
        visit(&v, "meterValue.*.timestamp", &mut |_, _| count += 1);
        assert_eq!(count, 2);
        visit(&v, "absent.*.x", &mut |_, _| count += 1);
        assert_eq!(count, 2);
    }

    #[test]
    fn visit_mut_changes_in_place() {
        let mut v = json!({"a": [{"b": 1}, {"b": 2}]});
        visit_mut(&mut v, "a.*.b", &mut |_, x| *x = json!(0));
        assert_eq!(v, json!({"a": [{"b": 0}, {"b": 0}]}));
    }

    #[test]
    fn decode_paths_address_values() {
        let mut v = json!({"a": [{"b": 1}]});
        let steps = [Step::Key("a".into()), Step::Index(0), Step::Key("b".into())];
        assert_eq!(get_mut(&mut v, &steps), Some(&mut json!(1)));
        assert_eq!(get_mut(&mut v, &[Step::Index(3)]), None);
    }
}
