//! The `ReportStore` seam: multi-part reports (their requests, parts and assembled
//! results), device-model events and firmware status history, as the API reads them.
//! The charger side writes them through `Store::record_event`
//! (`ChargerEvent::ReportPart`, `ChargerEvent::DeviceEvents`, firmware status reports).

use serde_json::Value;

/// A report as the API sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportView {
    pub id: i64,
    pub charge_point_id: i64,
    /// The kind's name (`domain::report::ReportKind::name`).
    pub kind: String,
    pub request_id: i64,
    /// The request that asked for it (`action` and the fields sent); None when the
    /// charger sent the report unasked or for a request the gateway did not keep.
    pub request: Option<Value>,
    /// `pending` or `complete`.
    pub status: String,
    /// Distinct parts received, and repeated ones dropped.
    pub parts: i64,
    pub repeats: i64,
    /// The assembled result, once complete.
    pub result: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
}

impl ReportView {
    /// The report as the API and `chargePoint.reportCompleted` show it.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "chargePointId": self.charge_point_id,
            "requestId": self.request_id,
            "kind": self.kind,
            "status": self.status,
            "request": self.request,
            "parts": self.parts,
            "repeatedParts": self.repeats,
            "result": self.result,
            "createdAt": self.created_at,
            "lastUpdatedAt": self.updated_at,
            "completedAt": self.completed_at,
        })
    }
}

/// One stored device-model event (a NotifyEvent `eventData` entry).
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceEventView {
    pub id: i64,
    pub charge_point_id: i64,
    /// The event as the API shows it (`domain::report::device_event_json`).
    pub event: Value,
    pub generated_at: String,
    pub seq_no: i64,
    pub created_at: String,
}

/// One firmware status a charger reported.
#[derive(Clone, Debug, PartialEq)]
pub struct FirmwareStatusView {
    pub id: i64,
    pub status: String,
    pub request_id: Option<i64>,
    pub created_at: String,
}
