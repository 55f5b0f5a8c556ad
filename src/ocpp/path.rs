//! Addressing fields inside a JSON payload: the dotted paths of the per-action rule
//! tables (`meterValue.*.sampledValue.*.value`, `*` being every array element) and the
//! paths `serde_path_to_error` reports for a failed decode.

use serde_json::Value;

/// A concrete path inside a payload (`meterValue[0].timestamp`), held as links to its
/// parent and written out only when shown: the checks that walk a payload name a path
/// only when they find a fault, so a payload without faults costs no path text.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Here<'a> {
    /// The payload itself (shown as nothing).
    Root,
    /// A member of the object at the parent path.
    Key(&'a Here<'a>, &'a str),
    /// An element of the array at the parent path.
    Index(&'a Here<'a>, usize),
}

impl<'a> Here<'a> {
    /// The member `key` of this path.
    pub(crate) fn key(&'a self, key: &'a str) -> Here<'a> {
        Here::Key(self, key)
    }

    /// The element `index` of this path.
    pub(crate) fn index(&'a self, index: usize) -> Here<'a> {
        Here::Index(self, index)
    }

    /// Whether the path is shown as the empty text.
    fn shows_empty(&self) -> bool {
        match self {
            Here::Root => true,
            Here::Key(parent, key) => key.is_empty() && parent.shows_empty(),
            Here::Index(..) => false,
        }
    }
}

impl std::fmt::Display for Here<'_> {
    /// `parent.key` (`key` when the parent shows as nothing), `parent[i]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Here::Root => Ok(()),
            Here::Key(parent, key) if parent.shows_empty() => f.write_str(key),
            Here::Key(parent, key) => write!(f, "{parent}.{key}"),
            Here::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Calls `f` with every value found at `pattern` and its concrete path
/// (`meterValue[0].timestamp`). Missing fields and type mismatches along the way are
/// skipped: absent optional fields have nothing to check.
pub(crate) fn visit(root: &Value, pattern: &str, f: &mut dyn FnMut(&Here<'_>, &Value)) {
    visit_from(root, pattern, &Here::Root, f);
}

/// The first segment of a dotted pattern and the rest, if any.
fn split_pattern(pattern: &str) -> (&str, Option<&str>) {
    match pattern.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (pattern, None),
    }
}

fn visit_from(value: &Value, pattern: &str, here: &Here<'_>, f: &mut dyn FnMut(&Here<'_>, &Value)) {
    let (first, rest) = split_pattern(pattern);
    let step = |child: &Value, at: &Here<'_>, f: &mut dyn FnMut(&Here<'_>, &Value)| match rest {
        Some(rest) => visit_from(child, rest, at, f),
        None => f(at, child),
    };
    match (first, value) {
        ("*", Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                step(item, &here.index(i), f);
            }
        }
        (key, Value::Object(map)) => {
            if let Some(child) = map.get(key) {
                step(child, &here.key(key), f);
            }
        }
        _ => {}
    }
}

/// Like [`visit`], with mutable access to each value found.
pub(crate) fn visit_mut(root: &mut Value, pattern: &str, f: &mut dyn FnMut(&Here<'_>, &mut Value)) {
    visit_mut_from(root, pattern, &Here::Root, f);
}

fn visit_mut_from(
    value: &mut Value,
    pattern: &str,
    here: &Here<'_>,
    f: &mut dyn FnMut(&Here<'_>, &mut Value),
) {
    let (first, rest) = split_pattern(pattern);
    let step =
        |child: &mut Value, at: &Here<'_>, f: &mut dyn FnMut(&Here<'_>, &mut Value)| match rest {
            Some(rest) => visit_mut_from(child, rest, at, f),
            None => f(at, child),
        };
    match (first, value) {
        ("*", Value::Array(items)) => {
            for (i, item) in items.iter_mut().enumerate() {
                step(item, &here.index(i), f);
            }
        }
        (key, Value::Object(map)) => {
            if let Some(child) = map.get_mut(key) {
                step(child, &here.key(key), f);
            }
        }
        _ => {}
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
            seen.push((p.to_string(), x.clone()))
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
    fn paths_show_as_dotted_keys_and_indexes() {
        let root = Here::Root;
        let a = root.key("a");
        let a0 = a.index(0);
        assert_eq!(a0.key("b").to_string(), "a[0].b");
        assert_eq!(root.index(2).to_string(), "[2]");
        // An empty key at the root shows as nothing, as `parent.key` does with an empty parent.
        let empty = root.key("");
        assert_eq!(empty.key("x").to_string(), "x");
        assert_eq!(a.key("").key("x").to_string(), "a..x");
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
