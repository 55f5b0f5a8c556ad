//! Plug & Charge storage: the vehicles' provisioning certificates and the contract
//! certificates issued for them. A store offers it through [`super::Store::pnc`].

/// A provisioning certificate as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ProvisioningRecord {
    pub id: i64,
    /// The PCID (the certificate's subject CN).
    pub pc_id: String,
    pub name: String,
    /// `company` or `private`.
    pub vehicle_type: String,
    pub user_id: i64,
    /// The OEM provisioning certificate (PEM), checked when it was stored.
    pub certificate: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A provisioning certificate to create.
#[derive(Clone, Debug)]
pub struct NewProvisioning {
    pub pc_id: String,
    pub name: String,
    pub vehicle_type: String,
    pub user_id: i64,
    pub certificate: Option<String>,
}

/// Fields to change (`None`: unchanged).
#[derive(Clone, Debug, Default)]
pub struct ProvisioningPatch {
    pub pc_id: Option<String>,
    pub name: Option<String>,
    pub vehicle_type: Option<String>,
    pub user_id: Option<i64>,
    pub certificate: Option<String>,
}

/// A contract certificate the gateway issued (or had issued) and knows.
#[derive(Clone, Debug, PartialEq)]
pub struct ContractRecord {
    pub id: i64,
    pub provisioning_id: i64,
    /// The id tag whose `idTagUid` is the EMAID.
    pub id_tag_id: i64,
    /// The EMAID, normalized (upper case, no separators).
    pub emaid: String,
    /// The serial number in lower-case hex without leading zeros.
    pub serial: String,
    /// The chain in PEM, the contract certificate first.
    pub chain: String,
    /// `active` or `revoked`.
    pub status: String,
    pub not_after: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A contract certificate to record.
#[derive(Clone, Debug)]
pub struct NewContract {
    pub provisioning_id: i64,
    pub id_tag_id: i64,
    pub emaid: String,
    pub serial: String,
    pub chain: String,
    pub not_after: String,
}
