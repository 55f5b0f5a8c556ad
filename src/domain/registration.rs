//! A charge point's registration: whether its BootNotification is Accepted, held
//! Pending while it is provisioned (OCPP 2.0.1 B02, 1.6 §4.2), or Rejected (B03).

/// What the operator (or auto-registration) decided about a charge point, kept with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// Boots are answered Accepted.
    Accepted,
    /// Boots are answered Pending until the operator accepts it.
    Pending,
}

impl Registration {
    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Registration::Accepted => "accepted",
            Registration::Pending => "pending",
        }
    }

    pub fn parse(s: &str) -> Option<Registration> {
        match s {
            "accepted" => Some(Registration::Accepted),
            "pending" => Some(Registration::Pending),
            _ => None,
        }
    }
}

/// The answer to a BootNotification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootAnswer {
    Accepted,
    Pending,
    Rejected,
}

impl BootAnswer {
    /// The answer's `status` (the same names in 1.6 and 2.0.1).
    pub fn status(self) -> &'static str {
        match self {
            BootAnswer::Accepted => "Accepted",
            BootAnswer::Pending => "Pending",
            BootAnswer::Rejected => "Rejected",
        }
    }

    /// Decides from the registration and the API's system status: a charge point the
    /// operator `disabled` is Rejected, one still Pending is held; anything else
    /// (`enabled`, `out of order`, `demo`) is Accepted.
    pub fn decide(registration: Registration, system_status: &str) -> BootAnswer {
        if system_status == "disabled" {
            BootAnswer::Rejected
        } else if registration == Registration::Pending {
            BootAnswer::Pending
        } else {
            BootAnswer::Accepted
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_rejects_and_pending_holds() {
        use BootAnswer as B;
        use Registration as R;
        assert_eq!(B::decide(R::Accepted, "enabled"), B::Accepted);
        assert_eq!(B::decide(R::Accepted, "out of order"), B::Accepted);
        assert_eq!(B::decide(R::Pending, "enabled"), B::Pending);
        assert_eq!(B::decide(R::Pending, "disabled"), B::Rejected);
        assert_eq!(B::decide(R::Accepted, "disabled"), B::Rejected);
        assert_eq!(Registration::parse("pending"), Some(R::Pending));
        assert_eq!(Registration::parse("Pending"), None);
    }
}
