//! Fixes for the payload quirks of real chargers, applied to the JSON before typed
//! decoding when a charger is read leniently. Each fix is recorded as a `Deviation`.
