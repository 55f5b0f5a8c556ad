//! Tests, filled in below.
