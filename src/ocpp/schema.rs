//! What a version's codec knows about one action beyond its types: the schema
//! constraints the typed messages do not enforce, and where its meter values are. Read
//! by the decoder and by the lenient repairs alike.

/// A schema constraint the typed messages do not enforce, at a dotted path of a rule table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Rule {
    /// `maxLength`, counted in characters.
    MaxLen(usize),
    /// `minItems`.
    MinItems(usize),
    /// `maxItems`.
    MaxItems(usize),
    /// `minimum`.
    Min(f64),
    /// `maximum`.
    Max(f64),
    /// `format: date-time`.
    DateTime,
}

/// The constraints of one message: `(dotted path, rule)`, `*` standing for array elements.
pub(crate) type Rules = &'static [(&'static str, Rule)];

/// What a version's decoder needs to know about one action.
pub(crate) struct Schema {
    /// The schema constraints the types miss.
    pub rules: Rules,
    /// Paths of the meter-value arrays the lenient repairs look at.
    pub meter_values: &'static [&'static str],
    /// Whether `customData` objects are allowed (2.0.1).
    pub custom_data: bool,
}
