//! Bodies read field by field, for the load-management resources and actions: each
//! field of the JSON object is checked on its own (type, range, enumeration, the
//! reference's `multipleOf: 0.1`), every fault is collected, and the answer is one 422
//! naming them all. A field that is absent is left alone; `null` is refused where the
//! field is not nullable.
//!
//! Reading the object by hand rather than deserializing a struct is deliberate: serde
//! stops at the first bad field and cannot tell an absent field from `null` without a
//! wrapper on each, while these bodies need both and all errors at once.

use serde_json::{Map, Value};

use super::error::{ApiError, FieldErrors};

/// One field read: `None` absent (or bad, with its error recorded), `Some(None)` null,
/// `Some(Some(v))` a good value.
pub type Read<T> = Option<Option<T>>;

/// A body being read, and the faults found so far.
pub struct Fields<'a> {
    body: &'a Map<String, Value>,
    prefix: &'a str,
    errors: FieldErrors,
}

/// How a field's value is checked: the field's name (for messages), the value.
pub type Parse<T> = dyn Fn(&str, &Value) -> Result<T, String>;

impl<'a> Fields<'a> {
    pub fn new(body: &'a Map<String, Value>) -> Fields<'a> {
        Fields {
            body,
            prefix: "",
            errors: FieldErrors::new(),
        }
    }

    /// The fields of a nested object, named `prefix.field` in errors.
    pub fn nested(body: &'a Map<String, Value>, prefix: &'a str) -> Fields<'a> {
        Fields {
            body,
            prefix,
            errors: FieldErrors::new(),
        }
    }

    fn name(&self, field: &str) -> String {
        if self.prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.prefix)
        }
    }

    /// Records a fault of `field`.
    pub fn bad(&mut self, field: &str, message: impl Into<String>) {
        let name = self.name(field);
        self.errors.entry(name).or_default().push(message.into());
    }

    /// Whether the body has `field` (even null).
    pub fn has(&self, field: &str) -> bool {
        self.body.contains_key(field)
    }

    /// Reads `field` with `parse`; `null` is refused unless `nullable`.
    pub fn read<T>(&mut self, field: &str, nullable: bool, parse: &Parse<T>) -> Read<T> {
        let name = self.name(field);
        match self.body.get(field) {
            None => None,
            Some(Value::Null) if nullable => Some(None),
            Some(Value::Null) => {
                self.bad(field, format!("The {name} field may not be null."));
                None
            }
            Some(v) => match parse(&name, v) {
                Ok(t) => Some(Some(t)),
                Err(m) => {
                    self.bad(field, m);
                    None
                }
            },
        }
    }

    /// Reads a field that may not be null: absent or bad is `None`.
    pub fn value<T>(&mut self, field: &str, parse: &Parse<T>) -> Option<T> {
        self.read(field, false, parse).flatten()
    }

    /// Records that `field` is required when the body lacks it (or has it null).
    pub fn require(&mut self, field: &str) {
        if matches!(self.body.get(field), None | Some(Value::Null)) {
            let name = self.name(field);
            self.bad(field, format!("The {name} field is required."));
        }
    }

    /// Merges the faults of a nested reading.
    pub fn absorb(&mut self, other: Fields<'_>) {
        for (k, v) in other.errors {
            self.errors.entry(k).or_default().extend(v);
        }
    }

    /// 422 with every fault, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        ApiError::fields(self.errors)
    }
}

/// Text of 1 to `max` characters.
pub fn text(max: usize) -> impl Fn(&str, &Value) -> Result<String, String> {
    move |name, v| match v.as_str() {
        Some(s) if !s.trim().is_empty() && s.chars().count() <= max => Ok(s.to_owned()),
        Some(_) => Err(format!("The {name} must be 1 to {max} characters.")),
        None => Err(format!("The {name} must be a string.")),
    }
}

/// One of `allowed`.
pub fn choice(allowed: &'static [&'static str]) -> impl Fn(&str, &Value) -> Result<String, String> {
    move |name, v| match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(s.to_owned()),
        _ => Err(format!(
            "The {name} must be one of: {}.",
            allowed.join(", ")
        )),
    }
}

/// Whether `x` is a multiple of 0.1 (to within what a decimal in binary can be).
pub fn is_tenth(x: f64) -> bool {
    let t = x * 10.0;
    (t - t.round()).abs() < 1e-6
}

/// A number of at least `min`, a multiple of 0.1 (`multipleOf: 0.1`).
pub fn tenths(min: f64) -> impl Fn(&str, &Value) -> Result<f64, String> {
    move |name, v| match v.as_f64() {
        Some(x) if !x.is_finite() || x < min => Err(format!("The {name} must be at least {min}.")),
        Some(x) if !is_tenth(x) => Err(format!("The {name} must be a multiple of 0.1.")),
        Some(x) => Ok(x),
        None => Err(format!("The {name} must be a number.")),
    }
}

/// A whole number (the reference types some ids as `number`; `2.0` is 2).
pub fn integer(min: i64) -> impl Fn(&str, &Value) -> Result<i64, String> {
    move |name, v| {
        let n = v.as_i64().or_else(|| {
            v.as_f64()
                .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e15)
                .map(|x| x as i64)
        });
        match n {
            Some(n) if n >= min => Ok(n),
            Some(_) => Err(format!("The {name} must be at least {min}.")),
            None => Err(format!("The {name} must be an integer.")),
        }
    }
}

/// `true` or `false`.
pub fn boolean(name: &str, v: &Value) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("The {name} must be true or false."))
}

/// A JSON object.
pub fn object(name: &str, v: &Value) -> Result<Map<String, Value>, String> {
    v.as_object()
        .cloned()
        .ok_or_else(|| format!("The {name} must be an object."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_fault_is_named_and_null_only_where_allowed() {
        let body = json!({"a": 1.25, "b": null, "c": "x", "d": 2.0, "e": 16.3});
        let body = body.as_object().expect("object");
        let mut f = Fields::new(body);
        assert_eq!(f.read("a", false, &tenths(0.0)), None);
        assert_eq!(f.read("b", true, &tenths(0.0)), Some(None));
        assert_eq!(f.read("c", false, &integer(1)), None);
        assert_eq!(f.read("d", false, &integer(1)), Some(Some(2)));
        assert_eq!(f.read("e", false, &tenths(0.0)), Some(Some(16.3)));
        assert_eq!(f.read("z", false, &tenths(0.0)), None);
        f.require("z");
        match f.finish() {
            Err(ApiError::Invalid { errors, .. }) => {
                let names: Vec<&str> = errors.keys().map(String::as_str).collect();
                assert_eq!(names, ["a", "c", "z"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
